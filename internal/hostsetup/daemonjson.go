package hostsetup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// AuthzKey is the daemon.json key dockerd reads its authorization plugins from.
const AuthzKey = "authorization-plugins"

// member is one top-level key of daemon.json. The value is kept as the raw
// bytes of the file, so every setting ci-authz does not own is written back
// exactly as it was.
type member struct {
	key   string
	value json.RawMessage
}

// daemonConfig is a parsed daemon.json: its top-level members in file order.
type daemonConfig struct {
	members []member
	indent  string // of the top-level keys in the file, reused on write
}

// ConfigError says that a daemon.json cannot be used. ci-authz never writes
// a file it cannot parse.
type ConfigError struct {
	Path string
	Msg  string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %s; fix the file (dockerd would not accept it either) and run again; ci-authz did not change it", e.Path, e.Msg)
}

// parseDaemonConfig parses daemon.json content. An empty file (only
// whitespace) is an empty object.
func parseDaemonConfig(path string, data []byte) (*daemonConfig, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM, as some editors write
	if len(bytes.TrimSpace(data)) == 0 {
		return &daemonConfig{}, nil
	}
	// Validate the whole text first: json.Unmarshal reports the exact
	// offset of a syntax error, the streaming decoder below does not.
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := lineCol(data, syn.Offset)
			return nil, &ConfigError{path, fmt.Sprintf("invalid JSON at line %d, column %d (byte offset %d): %v", line, col, syn.Offset, err)}
		case errors.As(err, &typ):
			return nil, &ConfigError{path, fmt.Sprintf("the file must hold a JSON object ({...}), not a JSON %s", typ.Value)}
		default:
			return nil, &ConfigError{path, fmt.Sprintf("invalid JSON: %v", err)}
		}
	}

	// Walk the object again to keep its key order.
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, &ConfigError{path, fmt.Sprintf("invalid JSON: %v", err)}
	}
	c := &daemonConfig{indent: detectIndent(data)}
	index := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &ConfigError{path, fmt.Sprintf("invalid JSON: %v", err)}
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, &ConfigError{path, fmt.Sprintf("invalid JSON: %v", err)}
		}
		// A repeated key: dockerd (encoding/json) uses the last value, so
		// do the same, at the place of the first.
		if i, ok := index[key]; ok {
			c.members[i].value = raw
			continue
		}
		index[key] = len(c.members)
		c.members = append(c.members, member{key: key, value: raw})
	}
	return c, nil
}

// detectIndent returns the whitespace before the first top-level key if
// that key starts a line, so that multi-line values, kept verbatim, still
// line up when the file is written back.
func detectIndent(data []byte) string {
	open := bytes.IndexByte(data, '{')
	key := bytes.IndexByte(data, '"')
	if open < 0 || key < open {
		return ""
	}
	ws := data[open+1 : key]
	nl := bytes.LastIndexByte(ws, '\n')
	if nl < 0 || len(bytes.Trim(ws, " \t\r\n")) != 0 {
		return ""
	}
	ind := strings.TrimRight(string(ws[nl+1:]), "\r")
	if strings.Trim(ind, " \t") != "" {
		return ""
	}
	return ind
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

func (c *daemonConfig) get(key string) (json.RawMessage, bool) {
	for _, m := range c.members {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

func (c *daemonConfig) set(key string, v json.RawMessage) {
	for i := range c.members {
		if c.members[i].key == key {
			c.members[i].value = v
			return
		}
	}
	c.members = append(c.members, member{key: key, value: v})
}

func (c *daemonConfig) del(key string) {
	out := c.members[:0]
	for _, m := range c.members {
		if m.key != key {
			out = append(out, m)
		}
	}
	c.members = out
}

// authzPlugins returns the authorization-plugins list.
func (c *daemonConfig) authzPlugins(path string) ([]string, error) {
	raw, ok := c.get(AuthzKey)
	if !ok {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		return nil, &ConfigError{path, fmt.Sprintf("%q must be a list of plugin names (like [\"ci-authz:latest\"]), it is %s", AuthzKey, bytes.TrimSpace(raw))}
	}
	return names, nil
}

// marshal writes the config back: one member per line, values verbatim.
func (c *daemonConfig) marshal() []byte {
	if len(c.members) == 0 {
		return []byte("{}\n")
	}
	ind := c.indent
	if ind == "" {
		ind = "  "
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, m := range c.members {
		b.WriteString(ind)
		b.Write(encodeString(m.key))
		b.WriteString(": ")
		b.Write(m.value)
		if i < len(c.members)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func encodeString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func encodeList(names []string) json.RawMessage {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = string(encodeString(n))
	}
	return json.RawMessage("[" + strings.Join(parts, ", ") + "]")
}

// SamePlugin reports whether two plugin references name the same plugin the
// way the daemon resolves them: "ci-authz", "ci-authz:latest" and
// "docker.io/library/ci-authz:latest" are one plugin.
func SamePlugin(a, b string) bool {
	return canonicalPlugin(a) == canonicalPlugin(b)
}

func canonicalPlugin(n string) string {
	if strings.Contains(n, "@") { // pinned by digest: compare as written
		return n
	}
	for _, p := range []string{"docker.io/", "index.docker.io/"} {
		n = strings.TrimPrefix(n, p)
	}
	n = strings.TrimPrefix(n, "library/")
	if !strings.Contains(n[strings.LastIndex(n, "/")+1:], ":") {
		n += ":latest"
	}
	return n
}

func containsPlugin(list []string, name string) bool {
	for _, n := range list {
		if SamePlugin(n, name) {
			return true
		}
	}
	return false
}

// ConfigFile is a daemon.json as found on disk.
type ConfigFile struct {
	Path    string // as given
	Real    string // symlinks resolved: the file that is read and replaced
	Exists  bool
	Mode    fs.FileMode
	UID     int
	GID     int
	Data    []byte // the content as read
	Plugins []string
	config  *daemonConfig
}

// ReadConfig reads and parses a daemon.json. A missing file is not an
// error (Exists is false); a file that is not a JSON object, or whose
// authorization-plugins is not a list of strings, is a *ConfigError.
func ReadConfig(path string) (*ConfigFile, error) {
	f := &ConfigFile{Path: path, Real: path, Mode: 0o644, UID: -1, GID: -1}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("%s is a symlink that does not resolve (%v); point it at a file or remove it", path, err)
		}
		f.Real = real
	}
	data, err := os.ReadFile(f.Real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.config = &daemonConfig{}
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("reading the daemon configuration: %w", err)
	}
	fi, err := os.Stat(f.Real)
	if err != nil {
		return nil, fmt.Errorf("reading the daemon configuration: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", f.Real)
	}
	f.Exists, f.Mode, f.Data = true, fi.Mode().Perm(), data
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		f.UID, f.GID = int(st.Uid), int(st.Gid)
	}
	if f.config, err = parseDaemonConfig(path, data); err != nil {
		return nil, err
	}
	if f.Plugins, err = f.config.authzPlugins(path); err != nil {
		return nil, err
	}
	return f, nil
}

// Has reports whether name is in authorization-plugins.
func (f *ConfigFile) Has(name string) bool { return containsPlugin(f.Plugins, name) }

// Edit is the result of changing a daemon.json.
type Edit struct {
	Path    string // the file written
	Changed bool   // false: it already was as wanted, nothing written
	Created bool   // the file did not exist before
	Backup  string // copy of the previous content ("" if none was needed)
	Before  []byte // previous content, for Restore
	Plugins []string
	mode    fs.FileMode
	uid     int
	gid     int
}

// AddAuthzPlugin makes sure name is listed in authorization-plugins of the
// daemon.json at path, creating the file if needed. Every other key is kept
// byte for byte. The previous file is copied to a timestamped backup next to
// it and the new one is written atomically with the old mode and owner.
func AddAuthzPlugin(path, name string, now time.Time) (*Edit, error) {
	f, err := ReadConfig(path)
	if err != nil {
		return nil, err
	}
	if f.Has(name) {
		return &Edit{Path: f.Real, Plugins: f.Plugins}, nil
	}
	list := append(append([]string{}, f.Plugins...), name)
	f.config.set(AuthzKey, encodeList(list))
	return f.write(list, now)
}

// RemoveAuthzPlugin removes every spelling of name from authorization-plugins
// (and the key itself if the list becomes empty). A missing file, or one that
// does not list the plugin, is left alone.
func RemoveAuthzPlugin(path, name string, now time.Time) (*Edit, error) {
	f, err := ReadConfig(path)
	if err != nil {
		return nil, err
	}
	if !f.Has(name) {
		return &Edit{Path: f.Real, Plugins: f.Plugins}, nil
	}
	var list []string
	for _, n := range f.Plugins {
		if !SamePlugin(n, name) {
			list = append(list, n)
		}
	}
	if len(list) == 0 {
		f.config.del(AuthzKey)
	} else {
		f.config.set(AuthzKey, encodeList(list))
	}
	return f.write(list, now)
}

func (f *ConfigFile) write(list []string, now time.Time) (*Edit, error) {
	e := &Edit{Path: f.Real, Changed: true, Created: !f.Exists, Before: f.Data, Plugins: list, mode: f.Mode, uid: f.UID, gid: f.GID}
	if f.Exists {
		b, err := writeBackup(f.Real, f.Data, f.Mode, now)
		if err != nil {
			return nil, err
		}
		e.Backup = b
	} else if err := os.MkdirAll(filepath.Dir(f.Real), 0o755); err != nil {
		return nil, fmt.Errorf("creating the directory of %s: %w", f.Real, err)
	}
	if err := writeFileAtomic(f.Real, f.config.marshal(), f.Mode, f.UID, f.GID); err != nil {
		return nil, err
	}
	return e, nil
}

// Restore puts the file back the way it was before the edit (removing it if
// the edit created it).
func (e *Edit) Restore() error {
	if !e.Changed {
		return nil
	}
	if e.Created {
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return writeFileAtomic(e.Path, e.Before, e.mode, e.uid, e.gid)
}

// writeBackup copies data to PATH.ci-authz-YYYYMMDDTHHMMSSZ.bak (with a
// counter if that exists already) and returns the backup's name.
func writeBackup(path string, data []byte, mode fs.FileMode, now time.Time) (string, error) {
	base := path + ".ci-authz-" + now.UTC().Format("20060102T150405Z")
	for i := 0; i < 100; i++ {
		name := base + ".bak"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.bak", base, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("writing a backup of %s: %w", path, err)
		}
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(name)
			return "", fmt.Errorf("writing a backup of %s: %w", path, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("writing a backup of %s: too many backups named %s*", path, base)
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, fsynced, then renamed over path, so a reader (dockerd on
// SIGHUP or at boot) sees the old or the new file, never a partial one.
func writeFileAtomic(path string, data []byte, mode fs.FileMode, uid, gid int) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if uid >= 0 && gid >= 0 {
		if err = tmp.Chown(uid, gid); err != nil && os.Geteuid() == 0 {
			return err
		}
		err = nil // not root: the file keeps our owner, which is all we can do
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
