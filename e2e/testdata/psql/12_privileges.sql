CREATE SCHEMA acl;
CREATE ROLE acl_reader;
CREATE ROLE "acl writer";
CREATE TABLE acl.items (id int PRIMARY KEY, v text);
CREATE VIEW acl.items_v AS SELECT id FROM acl.items;
CREATE SEQUENCE acl.seq;
CREATE TABLE acl.untouched (a int);
\dp acl.*
GRANT SELECT ON acl.items TO acl_reader;
GRANT INSERT, UPDATE ON acl.items TO "acl writer" WITH GRANT OPTION;
GRANT SELECT ON acl.items_v TO PUBLIC;
GRANT USAGE ON SEQUENCE acl.seq TO acl_reader;
GRANT USAGE ON SCHEMA acl TO acl_reader;
REVOKE TRUNCATE ON acl.items FROM postgres;
\dp acl.*
\z acl.items
\dn+ acl
\dn+ public
GRANT acl_reader TO "acl writer";
\du acl*
SET ROLE acl_reader;
SELECT session_user, current_user;
RESET ROLE;
REVOKE ALL ON acl.items FROM acl_reader;
\z acl.items
