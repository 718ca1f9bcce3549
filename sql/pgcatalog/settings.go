package pgcatalog

import (
	"sort"
	"strings"

	"github.com/conflux-db/conflux/catalog"
)

// presetSettings are read-only parameters PostgreSQL reports about its
// build (category "Preset Options") that drivers read and the session may
// not define: pgJDBC refuses getMaxColumnsInIndex, getImportedKeys and
// friends without max_index_keys. The session's own settings win; these
// only fill the gaps, in pg_settings and current_setting alike, so the two
// never disagree. Values are PostgreSQL 15's defaults, which are also
// Conflux's limits (an index may have at most 32 key columns).
var presetSettings = []catalog.Setting{
	{Name: "data_checksums", Value: "off", VarType: "bool", Description: "Shows whether data checksums are turned on for this cluster."},
	{Name: "debug_assertions", Value: "off", VarType: "bool", Description: "Shows whether the running server has assertion checks enabled."},
	{Name: "max_function_args", Value: "100", VarType: "integer", Description: "Shows the maximum number of function arguments."},
	{Name: "max_identifier_length", Value: "63", VarType: "integer", Description: "Shows the maximum identifier length."},
	{Name: "max_index_keys", Value: "32", VarType: "integer", Description: "Shows the maximum number of index keys."},
	{Name: "block_size", Value: "8192", VarType: "integer", Description: "Shows the size of a disk block."},
	{Name: "wal_block_size", Value: "8192", VarType: "integer", Description: "Shows the block size in the write ahead log."},
	{Name: "integer_datetimes", Value: "on", VarType: "bool", Description: "Shows whether datetimes are integer based."},
	{Name: "ssl_library", Value: "", VarType: "string", Description: "Shows the name of the SSL library."},
}

// PresetSettings returns the read-only build parameters pgcatalog adds to
// pg_settings and current_setting when the session lacks them. The SQL
// layer may adopt them (for SHOW) by name.
func PresetSettings() []catalog.Setting {
	out := make([]catalog.Setting, len(presetSettings))
	for i, s := range presetSettings {
		s.Category, s.Context, s.Source = "Preset Options", "internal", "default"
		out[i] = s
	}
	return out
}

// presetSetting looks a preset up by (case-insensitive) name.
func presetSetting(name string) (catalog.Setting, bool) {
	for _, s := range PresetSettings() {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return catalog.Setting{}, false
}

// withPresets appends the presets the session does not define.
func withPresets(have []catalog.Setting) []catalog.Setting {
	seen := make(map[string]bool, len(have))
	for _, s := range have {
		seen[strings.ToLower(s.Name)] = true
	}
	out := append([]catalog.Setting(nil), have...)
	for _, s := range PresetSettings() {
		if !seen[s.Name] {
			out = append(out, s)
		}
	}
	// pg_settings lists parameters by name, case-insensitively.
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}
