out=['// Code generated from a PostgreSQL 15.18 catalog (pg_type rows of the types\n// sql/types supports, pg_get_keywords()); DO NOT EDIT.\n\npackage pgcatalog\n']
out.append('// pgTypeRows are PostgreSQL 15\'s pg_type rows for the types Conflux knows.\nvar pgTypeRows = []pgTypeRow{')
for l in open('/tmp/types.txt'):
    f=l.rstrip('\n').split('|')
    oid,name,tlen,byval,ttype,cat,pref,delim,elem,arr,i,o,r,s,mi,mo,al,st,coll=f
    out.append('\t{%s, "%s", %s, %s, \'%s\', \'%s\', %s, %s, %s, "%s", "%s", "%s", "%s", "%s", "%s", \'%s\', \'%s\', %s},'%(
        oid,name,tlen,'true' if byval=='t' else 'false',ttype,cat,'true' if pref=='t' else 'false',elem,arr,i,o,r,s,mi,mo,al,st,coll))
out.append('}\n')
out.append('// pgKeywords is pg_get_keywords() of PostgreSQL 15: word, catcode, barelabel.\nvar pgKeywords = []keyword{')
for l in open('/tmp/kw.txt'):
    w,cc,bl,cd,bd=l.rstrip('\n').split('|')
    out.append('\t{"%s", \'%s\', %s},'%(w,cc,'true' if bl=='t' else 'false'))
out.append('}\n')
open('pg15_data.go','w').write('\n'.join(out))
