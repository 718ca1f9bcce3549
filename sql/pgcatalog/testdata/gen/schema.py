import collections
rels=[l.rstrip('\n').split('|') for l in open('/tmp/rels.txt')]
cols=collections.defaultdict(list)
for l in open('/tmp/cols.txt'):
    relid,num,name,typ,dom=l.rstrip('\n').split('|')
    cols[relid].append((name,typ))
tmap={'name':'types.Name','oid':'types.Oid','int4':'types.Int4','bool':'types.Bool','varchar':'types.Varchar',
'int8':'types.Int8','text':'types.Text','char':'types.QChar','regproc':'types.Text','timestamptz':'types.TimestampTZ',
'int2':'types.Int2','_text':'textArray','pg_node_tree':'types.Text','_aclitem':'textArray','xid':'types.Int8',
'_oid':'oidArray','pg_lsn':'types.Text','int2vector':'types.Int2Vector','oidvector':'types.OidVector','float8':'types.Float8',
'interval':'types.Interval','float4':'types.Float4','_int2':'int2Array','inet':'types.Text','_char':'qcharArray',
'regtype':'types.Regtype','pg_ndistinct':'types.Bytea','pg_mcv_list':'types.Bytea','pg_dependencies':'types.Bytea',
'numeric':'types.Numeric','bytea':'types.Bytea','anyarray':'types.Text','_regtype':'regtypeArray','_pg_statistic':'types.Text'}
out=[]
out.append('// Code generated from a PostgreSQL 15.18 catalog (pg_attribute of the system\n// relations below); DO NOT EDIT. Domains of information_schema are replaced\n// by their base types; aclitem[] becomes text[], pg_node_tree and regproc text.\n\npackage pgcatalog\n\nimport (\n\t"github.com/conflux-db/conflux/catalog"\n\t"github.com/conflux-db/conflux/sql/types"\n)\n')
out.append('// pg15Relations lists the system relations Conflux serves, with the OIDs,\n// relkinds and columns PostgreSQL 15 gives them.\nvar pg15Relations = []relDef{')
for oid,nsp,name,kind in sorted(rels,key=lambda r:(r[1]!='pg_catalog',r[2])):
    sch='catalog.PgCatalogSchemaID' if nsp=='pg_catalog' else 'catalog.InfoSchemaSchemaID'
    out.append('\t{id: %s, schema: %s, name: "%s", kind: \'%s\', cols: []colDef{'%(oid,sch,name,kind))
    for c,t in cols[oid]:
        out.append('\t\t{"%s", %s},'%(c,tmap[t]))
    out.append('\t}},')
out.append('}\n')
open('pg15_schema.go','w').write('\n'.join(out))
