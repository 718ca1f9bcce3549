// Package hba decides, per connection, which authentication method applies,
// from rules in a subset of PostgreSQL's pg_hba.conf format.
//
// Why a pg_hba.conf subset rather than a new format: operators already know
// it, and its semantics (ordered rules, first match wins, no match means
// refusal) are easy to reason about. Each line is
//
//	local      DATABASE  USER            METHOD
//	host       DATABASE  USER  ADDRESS   METHOD
//	hostssl    DATABASE  USER  ADDRESS   METHOD
//	hostnossl  DATABASE  USER  ADDRESS   METHOD
//
// DATABASE is all, sameuser or a comma-separated list of names; USER is all
// or a list of names; ADDRESS is a CIDR block (10.0.0.0/8, ::1/128), all or
// samehost; METHOD is trust, scram-sha-256, password, md5 or reject. md5 is
// treated as scram-sha-256, as PostgreSQL 14+ does for roles whose stored
// secret is a SCRAM verifier (Conflux stores no other kind). Names may be
// double-quoted to keep a keyword literal. A # starts a comment.
//
// Anything outside the subset (group names with +, @file includes, host
// names, auth options) is a parse error naming the file and line, so a
// rule is never silently read differently than written. Parsing happens
// once at startup; Rules is immutable and safe for concurrent use.
package hba
