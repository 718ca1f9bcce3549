package sql

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// settingDef describes one configuration parameter (GUC). Reported
// parameters are sent to the client in ParameterStatus whenever they
// change, exactly PostgreSQL's GUC_REPORT set.
type settingDef struct {
	name     string
	def      string
	reported bool
	readOnly bool
	category string
	desc     string
	vartype  string // bool, integer, string, enum, real
	unit     string
	// context is pg_settings.context when it is not implied by readOnly
	// (internal) or its absence (user).
	context string
	// check validates and canonicalises a new value.
	check func(v string) (string, error)
}

const (
	serverVersion    = "16.4"
	serverVersionNum = "160004"
)

// settingDefs is every parameter SHOW, SHOW ALL, current_setting and
// pg_settings know: the session's own plus pgcatalog's preset build
// parameters (max_index_keys, ...), so all four agree.
var settingDefs = withPresetDefs(sessionSettingDefs)

var sessionSettingDefs = []settingDef{
	{name: "application_name", def: "", reported: true, category: "Reporting and Logging", vartype: "string", desc: "Sets the application name to be reported in statistics and logs."},
	{name: "client_encoding", def: "UTF8", reported: true, category: "Client Connection Defaults", vartype: "string", desc: "Sets the client's character set encoding.", check: checkEncoding},
	{name: "DateStyle", def: "ISO, MDY", reported: true, category: "Client Connection Defaults", vartype: "string", desc: "Sets the display format for date and time values.", check: checkDateStyle},
	{name: "IntervalStyle", def: "postgres", reported: true, category: "Client Connection Defaults", vartype: "enum", desc: "Sets the display format for interval values.", check: checkIntervalStyle},
	{name: "TimeZone", def: "UTC", reported: true, category: "Client Connection Defaults", vartype: "string", desc: "Sets the time zone for displaying and interpreting time stamps.", check: checkTimeZone},
	{name: "integer_datetimes", def: "on", reported: true, readOnly: true, category: "Preset Options", vartype: "bool", desc: "Shows whether datetimes are integer based."},
	{name: "standard_conforming_strings", def: "on", reported: true, category: "Version and Platform Compatibility", vartype: "bool", desc: "Causes '...' strings to treat backslashes literally.", check: checkOnlyOn},
	{name: "server_version", def: serverVersion, reported: true, readOnly: true, category: "Preset Options", vartype: "string", desc: "Shows the server version."},
	{name: "server_version_num", def: serverVersionNum, readOnly: true, category: "Preset Options", vartype: "integer", desc: "Shows the server version as an integer."},
	{name: "server_encoding", def: "UTF8", reported: true, readOnly: true, category: "Preset Options", vartype: "string", desc: "Shows the server (database) character set encoding."},
	{name: "is_superuser", def: "on", reported: true, readOnly: true, category: "Preset Options", vartype: "bool", desc: "Shows whether the current user is a superuser."},
	{name: "session_authorization", def: "", reported: true, readOnly: true, category: "Preset Options", vartype: "string", desc: "Sets the session user name."},
	{name: "in_hot_standby", def: "off", reported: true, readOnly: true, category: "Preset Options", vartype: "bool", desc: "Shows whether hot standby is currently active."},
	{name: "search_path", def: `"$user", public`, category: "Client Connection Defaults", vartype: "string", desc: "Sets the schema search order for names that are not schema-qualified."},
	{name: "transaction_isolation", def: "read committed", category: "Client Connection Defaults", vartype: "enum", desc: "Sets the current transaction's isolation level.", check: checkIsolation},
	{name: "default_transaction_isolation", def: "read committed", category: "Client Connection Defaults", vartype: "enum", desc: "Sets the transaction isolation level of each new transaction.", check: checkIsolation},
	{name: "transaction_read_only", def: "off", category: "Client Connection Defaults", vartype: "bool", desc: "Sets the current transaction's read-only status.", check: checkBool},
	{name: "default_transaction_read_only", def: "off", category: "Client Connection Defaults", vartype: "bool", desc: "Sets the default read-only status of new transactions.", check: checkBool},
	{name: "statement_timeout", def: "0", unit: "ms", category: "Client Connection Defaults", vartype: "integer", desc: "Sets the maximum allowed duration of any statement.", check: checkDuration},
	{name: "lock_timeout", def: "0", unit: "ms", category: "Client Connection Defaults", vartype: "integer", desc: "Sets the maximum allowed duration of any wait for a lock.", check: checkDuration},
	{name: "idle_in_transaction_session_timeout", def: "0", unit: "ms", category: "Client Connection Defaults", vartype: "integer", desc: "Sets the maximum allowed idle time between queries, when in a transaction.", check: checkDuration},
	{name: "extra_float_digits", def: "1", category: "Client Connection Defaults", vartype: "integer", desc: "Sets the number of digits displayed for floating-point values.", check: checkInt},
	{name: "bytea_output", def: "hex", category: "Client Connection Defaults", vartype: "enum", desc: "Sets the output format for bytea.", check: checkByteaOutput},
	{name: "client_min_messages", def: "notice", category: "Client Connection Defaults", vartype: "enum", desc: "Sets the message levels that are sent to the client."},
	{name: "max_identifier_length", def: "63", readOnly: true, category: "Preset Options", vartype: "integer", desc: "Shows the maximum identifier length."},
	{name: "max_connections", def: "1000", readOnly: true, category: "Connections and Authentication", vartype: "integer", desc: "Sets the maximum number of concurrent connections."},
	{name: "block_size", def: "8192", readOnly: true, category: "Preset Options", vartype: "integer", desc: "Shows the size of a disk block."},
	{name: "lc_collate", def: "C", readOnly: true, category: "Preset Options", vartype: "string", desc: "Shows the collation order locale."},
	{name: "lc_ctype", def: "C", readOnly: true, category: "Preset Options", vartype: "string", desc: "Shows the character classification and case conversion locale."},
	{name: "lc_messages", def: "C", category: "Client Connection Defaults", vartype: "string", desc: "Sets the language in which messages are displayed."},
	{name: "lc_monetary", def: "C", category: "Client Connection Defaults", vartype: "string", desc: "Sets the locale for formatting monetary amounts."},
	{name: "lc_numeric", def: "C", category: "Client Connection Defaults", vartype: "string", desc: "Sets the locale for formatting numbers."},
	{name: "lc_time", def: "C", category: "Client Connection Defaults", vartype: "string", desc: "Sets the locale for formatting date and time values."},
	{name: "synchronous_commit", def: "on", category: "Write-Ahead Log", vartype: "enum", desc: "Sets the current transaction's synchronization level.", check: checkSynchronousCommit},
	{name: "timezone_abbreviations", def: "Default", category: "Client Connection Defaults", vartype: "string", desc: "Selects a file of time zone abbreviations."},
	{name: "escape_string_warning", def: "on", category: "Version and Platform Compatibility", vartype: "bool", desc: "Warn about backslash escapes in ordinary string literals.", check: checkBool},
	{name: "row_security", def: "on", category: "Client Connection Defaults", vartype: "bool", desc: "Enable row security.", check: checkBool},
	{name: "jit", def: "off", category: "Query Tuning", vartype: "bool", desc: "Allow JIT compilation.", check: checkBool},
	{name: "work_mem", def: "4096", unit: "kB", category: "Resource Usage", vartype: "integer", desc: "Sets the maximum memory to be used for query workspaces."},
	{name: "maintenance_work_mem", def: "65536", unit: "kB", category: "Resource Usage", vartype: "integer", desc: "Sets the maximum memory to be used for maintenance operations."},
	{name: "default_tablespace", def: "", category: "Client Connection Defaults", vartype: "string", desc: "Sets the default tablespace to create tables and indexes in."},
	{name: "default_with_oids", def: "off", category: "Version and Platform Compatibility", vartype: "bool", desc: "WITH OIDS is no longer supported; this can only be false.", check: checkOnlyOff},
	{name: "check_function_bodies", def: "on", category: "Client Connection Defaults", vartype: "bool", desc: "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.", check: checkBool},
	{name: "xmloption", def: "content", category: "Client Connection Defaults", vartype: "enum", desc: "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments."},
	{name: "geqo", def: "on", category: "Query Tuning", vartype: "bool", desc: "Enables genetic query optimization.", check: checkBool},
	{name: "enable_seqscan", def: "on", category: "Query Tuning", vartype: "bool", desc: "Enables the planner's use of sequential-scan plans.", check: checkBool},
	// conflux.as_of makes the session read in the past (asof.go).
	{name: asOfSetting, def: "", category: "Conflux / Lake Tables", vartype: "string", desc: "Reads every transaction at this past time (timestamptz) or commit timestamp (bigint); empty reads the present.", check: checkAsOf},
	// ssl is on when the server has a certificate (Session.SetSSL), as
	// PostgreSQL's is when ssl = on in its configuration.
	{name: "ssl", def: "off", readOnly: true, context: "sighup", category: "Connections and Authentication / SSL", vartype: "bool", desc: "Enables SSL connections."},
}

// withPresetDefs appends pgcatalog's preset parameters the session list
// does not define itself.
func withPresetDefs(defs []settingDef) []settingDef {
	have := make(map[string]bool, len(defs))
	for _, d := range defs {
		have[strings.ToLower(d.name)] = true
	}
	out := append([]settingDef(nil), defs...)
	for _, p := range pgcatalog.PresetSettings() {
		if have[strings.ToLower(p.Name)] {
			continue
		}
		out = append(out, settingDef{name: p.Name, def: p.Value, readOnly: true, context: p.Context,
			category: p.Category, desc: p.Description, vartype: p.VarType, unit: p.Unit})
	}
	return out
}

var settingByLower = func() map[string]*settingDef {
	m := make(map[string]*settingDef, len(settingDefs))
	for i := range settingDefs {
		m[strings.ToLower(settingDefs[i].name)] = &settingDefs[i]
	}
	return m
}()

// settings holds one session's parameter values; lower-cased names.
type settings struct {
	values  map[string]string
	changed map[string]bool // reported parameters changed since the last ChangedParams
	// txnValues hold SET LOCAL values, dropped at transaction end.
	txnValues map[string]string
	// version counts changes, so caches derived from settings can tell
	// cheaply whether they are current.
	version uint64
}

func newSettings() *settings {
	s := &settings{values: map[string]string{}, changed: map[string]bool{}}
	for _, d := range settingDefs {
		s.values[strings.ToLower(d.name)] = d.def
	}
	return s
}

// get returns a setting's value. Custom "prefix.name" settings exist once set.
func (s *settings) get(name string) (string, bool) {
	name = strings.ToLower(name)
	if v, ok := s.txnValues[name]; ok {
		return v, true
	}
	v, ok := s.values[name]
	return v, ok
}

// set validates and stores a value. Unknown names are 42704 unless they
// look like a custom option (contain a dot), as in PostgreSQL.
func (s *settings) set(name, value string, local bool) error {
	s.version++
	lname := strings.ToLower(name)
	def := settingByLower[lname]
	if def == nil {
		if !strings.Contains(lname, ".") {
			return pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter \"%s\"", lname)
		}
	} else {
		if def.readOnly {
			return pgerr.New(pgerr.CantChangeRuntimeParam, "parameter \"%s\" cannot be changed", lname)
		}
		if def.check != nil {
			v, err := def.check(value)
			if err != nil {
				return err
			}
			value = v
		}
	}
	if local {
		if s.txnValues == nil {
			s.txnValues = map[string]string{}
		}
		s.txnValues[lname] = value
	} else {
		s.values[lname] = value
	}
	if def != nil && def.reported {
		s.changed[lname] = true
	}
	return nil
}

// reset restores the default.
func (s *settings) reset(name string) error {
	s.version++
	lname := strings.ToLower(name)
	def := settingByLower[lname]
	if def == nil {
		if _, ok := s.values[lname]; ok || strings.Contains(lname, ".") {
			delete(s.values, lname)
			return nil
		}
		return pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter \"%s\"", lname)
	}
	if def.readOnly {
		return pgerr.New(pgerr.CantChangeRuntimeParam, "parameter \"%s\" cannot be changed", lname)
	}
	s.values[lname] = def.def
	if def.reported {
		s.changed[lname] = true
	}
	return nil
}

// endTxn drops SET LOCAL values.
func (s *settings) endTxn() {
	s.version++
	for name := range s.txnValues {
		if d := settingByLower[name]; d != nil && d.reported {
			s.changed[name] = true
		}
	}
	s.txnValues = nil
}

// takeChanged returns the reported parameters changed since the last call.
func (s *settings) takeChanged() map[string]string {
	if len(s.changed) == 0 {
		return nil
	}
	out := make(map[string]string, len(s.changed))
	for name := range s.changed {
		v, _ := s.get(name)
		out[settingByLower[name].name] = v
	}
	s.changed = map[string]bool{}
	return out
}

// list returns every setting for pg_settings and SHOW ALL, sorted by name.
func (s *settings) list() []catalog.Setting {
	out := make([]catalog.Setting, 0, len(settingDefs))
	for _, d := range settingDefs {
		v, _ := s.get(d.name)
		ctx := "user"
		if d.readOnly {
			ctx = "internal"
		}
		if d.context != "" {
			ctx = d.context
		}
		out = append(out, catalog.Setting{Name: d.name, Value: v, Unit: d.unit, Category: d.category,
			Description: d.desc, Context: ctx, VarType: d.vartype, Source: "default"})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// location returns the session time zone.
func (s *settings) location() *time.Location {
	v, _ := s.get("timezone")
	loc, err := loadLocation(v)
	if err != nil {
		return time.UTC
	}
	return loc
}

func loadLocation(name string) (*time.Location, error) {
	switch strings.ToLower(name) {
	case "utc", "gmt", "z", "zulu", "etc/utc", "universal":
		return time.UTC, nil
	case "localtime":
		return time.Local, nil
	}
	if off, ok := parseOffsetZone(name); ok {
		return time.FixedZone(name, off), nil
	}
	return time.LoadLocation(name)
}

// parseOffsetZone accepts numeric zones such as "+05:30", "-8" (POSIX sign
// conventions aside, SET TIME ZONE -8 means UTC-8 in PostgreSQL).
func parseOffsetZone(s string) (int, bool) {
	if s == "" || (s[0] != '+' && s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return 0, false
	}
	sign := 1
	body := s
	if s[0] == '+' || s[0] == '-' {
		if s[0] == '-' {
			sign = -1
		}
		body = s[1:]
	}
	h, m := body, "0"
	if i := strings.IndexByte(body, ':'); i >= 0 {
		h, m = body[:i], body[i+1:]
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh > 15 || mm > 59 {
		return 0, false
	}
	return sign * (hh*3600 + mm*60), true
}

func checkTimeZone(v string) (string, error) {
	if _, err := loadLocation(v); err != nil {
		return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"TimeZone\": \"%s\"", v)
	}
	if strings.EqualFold(v, "utc") {
		return "UTC", nil
	}
	return v, nil
}

func checkEncoding(v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(v, "-", ""), "_", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	case "SQLASCII":
		return "SQL_ASCII", nil
	}
	return "", pgerr.New(pgerr.FeatureNotSupported, "conversion between %s and UTF8 is not supported", v)
}

func checkDateStyle(v string) (string, error) {
	style, order := "ISO", "MDY"
	for _, part := range strings.Split(v, ",") {
		switch strings.ToUpper(strings.TrimSpace(part)) {
		case "ISO":
			style = "ISO"
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			order = "MDY"
		case "DMY", "EURO", "EUROPEAN":
			order = "DMY"
		case "YMD":
			order = "YMD"
		case "POSTGRES", "SQL", "GERMAN":
			return "", pgerr.New(pgerr.FeatureNotSupported, "DateStyle %s is not supported; only ISO output is", strings.TrimSpace(part))
		case "":
		default:
			return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"DateStyle\": \"%s\"", v)
		}
	}
	return style + ", " + order, nil
}

func checkIntervalStyle(v string) (string, error) {
	switch strings.ToLower(v) {
	case "postgres":
		return "postgres", nil
	case "iso_8601", "sql_standard", "postgres_verbose":
		return "", pgerr.New(pgerr.FeatureNotSupported, "IntervalStyle %s is not supported", v)
	}
	return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"IntervalStyle\": \"%s\"", v)
}

func checkIsolation(v string) (string, error) {
	switch strings.ToLower(strings.Join(strings.Fields(v), " ")) {
	case "read committed", "read uncommitted":
		return "read committed", nil
	case "repeatable read":
		return "repeatable read", nil
	case "serializable":
		return "serializable", nil
	}
	return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"transaction_isolation\": \"%s\"", v)
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1", "t", "y":
		return true, true
	case "off", "false", "no", "0", "f", "n":
		return false, true
	}
	return false, false
}

func checkBool(v string) (string, error) {
	b, ok := parseBool(v)
	if !ok {
		return "", pgerr.New(pgerr.InvalidParameterValue, "parameter requires a Boolean value")
	}
	if b {
		return "on", nil
	}
	return "off", nil
}

func checkOnlyOn(v string) (string, error) {
	b, ok := parseBool(v)
	if !ok || !b {
		return "", pgerr.New(pgerr.FeatureNotSupported, "only the value \"on\" is supported")
	}
	return "on", nil
}

func checkOnlyOff(v string) (string, error) {
	b, ok := parseBool(v)
	if !ok || b {
		return "", pgerr.New(pgerr.FeatureNotSupported, "only the value \"off\" is supported")
	}
	return "off", nil
}

func checkInt(v string) (string, error) {
	if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
		return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for integer parameter: \"%s\"", v)
	}
	return strings.TrimSpace(v), nil
}

// checkSynchronousCommit accepts PostgreSQL's values: the enum names plus
// the hidden boolean spellings, which it canonicalises to on/off.
func checkSynchronousCommit(v string) (string, error) {
	lv := strings.ToLower(strings.TrimSpace(v))
	switch lv {
	case "local", "remote_write", "remote_apply", "on", "off":
		return lv, nil
	case "true", "yes", "1":
		return "on", nil
	case "false", "no", "0":
		return "off", nil
	}
	return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"synchronous_commit\": \"%s\"", v).
		WithHint("Available values: local, remote_write, remote_apply, on, off.")
}

func checkByteaOutput(v string) (string, error) {
	if strings.EqualFold(v, "hex") {
		return "hex", nil
	}
	if strings.EqualFold(v, "escape") {
		return "", pgerr.New(pgerr.FeatureNotSupported, "bytea_output = escape is not supported")
	}
	return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"bytea_output\": \"%s\"", v)
}

// checkDuration accepts PostgreSQL duration syntax ("5s", "100ms", "1min",
// bare milliseconds) and stores milliseconds.
func checkDuration(v string) (string, error) {
	ms, err := parseDurationMS(v)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(ms, 10), nil
}

func parseDurationMS(v string) (int64, error) {
	s := strings.TrimSpace(strings.ToLower(v))
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter: \"%s\"", v)
	}
	mult := map[string]float64{"": 1, "ms": 1, "s": 1000, "min": 60000, "h": 3600000, "d": 86400000, "us": 0.001}
	m, ok := mult[unit]
	if !ok {
		return 0, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter: \"%s\"", v).
			WithHint("Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".")
	}
	return int64(f * m), nil
}
