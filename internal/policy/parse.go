package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ci-authz/ci-authz/internal/capability"
	"github.com/ci-authz/ci-authz/internal/hostpath"
)

// Errors is every problem found in a policy file; each names file:line:col,
// the field and what is allowed.
type Errors []string

func (e Errors) Error() string { return strings.Join(e, "\n") }

// Load reads and parses a policy file. Keys the file leaves out keep the
// embedded default's values.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	return Parse(data, path)
}

// Parse parses policy YAML; source names it in errors.
func Parse(data []byte, source string) (*Policy, error) {
	return parse(data, source, Default())
}

func parse(data []byte, source string, base *Policy) (*Policy, error) {
	p := *base
	p.Source = source
	sum := sha256.Sum256(data)
	p.SHA256 = hex.EncodeToString(sum[:])
	p.actions = make(map[RuleName]Action, len(base.actions))
	for k, v := range base.actions {
		p.actions[k] = v
	}
	p.Exceptions = nil

	w := &walker{source: source}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, Errors{source + ": the policy file is empty; write at least `mode: enforce` (see `ci-authz policy default`)"}
	} else if err != nil {
		return nil, Errors{fmt.Sprintf("%s: not valid YAML: %v", source, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, Errors{fmt.Sprintf("%s: the policy must be a single YAML document (found a second one, or: %v)", source, err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	w.top(root, &p)
	if len(w.errs) > 0 {
		return nil, w.errs
	}
	return &p, nil
}

type walker struct {
	source string
	errs   Errors
}

func (w *walker) errorf(n *yaml.Node, field, format string, args ...any) {
	w.errs = append(w.errs, fmt.Sprintf("%s:%d:%d: %s: %s", w.source, n.Line, n.Column, field, fmt.Sprintf(format, args...)))
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mapping walks a mapping node, rejecting duplicate and unknown keys, and
// calls fn for each known key.
func (w *walker) mapping(n *yaml.Node, field string, allowed []string, fn func(key string, v *yaml.Node)) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		w.errorf(n, field, "must be a mapping with keys %s", strings.Join(allowed, ", "))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := join(field, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			w.errorf(k, field, "keys must be plain names")
		case seen[k.Value]:
			w.errorf(k, name, "is set twice; keep one")
		case !contains(allowed, k.Value):
			w.errorf(k, join(field, k.Value), "unknown field; allowed here: %s", strings.Join(allowed, ", "))
		default:
			seen[k.Value] = true
			fn(k.Value, deref(v))
		}
	}
}

func join(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

func (w *walker) str(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		w.errorf(n, field, "must be a string (quote it if it looks like a number or boolean)")
		return "", false
	}
	return n.Value, true
}

func (w *walker) enum(n *yaml.Node, field string, allowed ...string) (string, bool) {
	s, ok := w.str(n, field)
	if !ok {
		return "", false
	}
	if !contains(allowed, s) {
		w.errorf(n, field, "%q is not allowed; use one of: %s", s, strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}

func (w *walker) list(n *yaml.Node, field string, fn func(i int, item *yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		w.errorf(n, field, "must be a list")
		return
	}
	for i, item := range n.Content {
		fn(i, deref(item))
	}
}

func (w *walker) top(n *yaml.Node, p *Policy) {
	var profileNode *yaml.Node
	w.mapping(n, "", []string{"mode", "profile", "rules", "exceptions"}, func(key string, v *yaml.Node) {
		switch key {
		case "mode":
			if m, ok := w.enum(v, "mode", string(Enforce), string(AuditOnly)); ok {
				p.Mode = Mode(m)
			}
		case "profile":
			profileNode = v
			if pr, ok := w.enum(v, "profile", string(Baseline), string(Restricted), string(Custom)); ok {
				p.Profile = Profile(pr)
			}
		case "rules":
			w.rules(v, p)
		case "exceptions":
			w.exceptions(v, p)
		}
	})
	if p.Profile == Custom && profileNode != nil {
		for _, r := range ConfigurableRules {
			if _, ok := p.actions[r]; !ok {
				w.errorf(profileNode, "rules."+string(r)+".action", "profile custom gives no rule a default; set it to deny, audit or allow (baseline: %s, restricted: %s)",
					ProfileAction(Baseline, r), ProfileAction(Restricted, r))
			}
		}
	}
}

func ruleNames() []string {
	out := make([]string, len(ConfigurableRules))
	for i, r := range ConfigurableRules {
		out[i] = string(r)
	}
	return out
}

// setting is a key a rule takes besides action, with its parser.
type setting struct {
	key   string
	parse func(w *walker, n *yaml.Node, field string, p *Policy)
}

// settings are the keys each rule takes besides action.
var settings = map[RuleName][]setting{
	HostSockets: {{"paths", (*walker).socketPaths}},
	SensitivePaths: {
		{"paths", func(w *walker, n *yaml.Node, f string, p *Policy) { p.SensitivePaths = w.patterns(n, f) }},
		{"readOnly", func(w *walker, n *yaml.Node, f string, p *Policy) { p.SensitiveReadOnly = w.patterns(n, f) }},
		{"allowed", func(w *walker, n *yaml.Node, f string, p *Policy) { p.SensitiveAllowed = w.patterns(n, f) }},
	},
	Capabilities: {{"allowed", (*walker).allowedCaps}},
	Devices:      {{"allowed", (*walker).allowedDevices}},
	Sysctls:      {{"allowed", (*walker).allowedSysctls}},
	Cgroups:      {{"allowedParents", (*walker).allowedCgroupParents}},
	Runtime:      {{"allowed", (*walker).allowedRuntimes}},
}

func (w *walker) rules(n *yaml.Node, p *Policy) {
	w.mapping(n, "rules", ruleNames(), func(key string, v *yaml.Node) {
		r, field := RuleName(key), "rules."+key
		keys := []string{"action"}
		for _, s := range settings[r] {
			keys = append(keys, s.key)
		}
		w.mapping(v, field, keys, func(k string, v *yaml.Node) {
			if k == "action" {
				w.action(v, field, r, p)
				return
			}
			for _, s := range settings[r] {
				if s.key == k {
					s.parse(w, v, field+"."+k, p)
				}
			}
		})
	})
}

func (w *walker) action(n *yaml.Node, field string, r RuleName, p *Policy) {
	if a, ok := w.enum(n, field+".action", string(Deny), string(Audit), string(Allow)); ok {
		p.actions[r] = Action(a)
	}
}

func (w *walker) socketPaths(n *yaml.Node, field string, p *Policy) {
	p.SocketPaths = w.patterns(n, field)
}

// patterns walks a list of absolute host paths, with * globs per segment.
func (w *walker) patterns(n *yaml.Node, field string) []hostpath.Pattern {
	pats := []hostpath.Pattern{}
	w.list(n, field, func(i int, item *yaml.Node) {
		f := fmt.Sprintf("%s[%d]", field, i)
		s, ok := w.str(item, f)
		if !ok {
			return
		}
		pat, err := hostpath.NewPattern(s)
		if err != nil {
			w.errorf(item, f, "%q: %v (an absolute host path; * matches one path segment)", s, err)
			return
		}
		pats = append(pats, pat)
	})
	return pats
}

func (w *walker) allowedCaps(n *yaml.Node, field string, p *Policy) {
	allowed := map[string]bool{}
	w.list(n, field, func(i int, item *yaml.Node) {
		f := fmt.Sprintf("%s[%d]", field, i)
		s, ok := w.str(item, f)
		if !ok {
			return
		}
		c := capability.Normalize(s)
		switch {
		case !capability.IsASCII(s):
			w.errorf(item, f, "%q contains non-ASCII characters; write capability names in plain ASCII, e.g. NET_ADMIN", s)
		case c == capability.All:
			w.errorf(item, f, "ALL cannot be allowed; list the capabilities jobs need, or set the rule's action to allow")
		case !capability.Known(c):
			w.errorf(item, f, "%q is not a Linux capability; use a name such as NET_ADMIN or SYS_PTRACE (see capabilities(7))", s)
		default:
			allowed[c] = true
		}
	})
	p.AllowedCaps = allowed
}

// strings walks a list of strings; each must pass check, which returns the
// value to keep or an error that names what is allowed.
func (w *walker) strings(n *yaml.Node, field string, check func(string) (string, error)) []string {
	out := []string{}
	w.list(n, field, func(i int, item *yaml.Node) {
		f := fmt.Sprintf("%s[%d]", field, i)
		s, ok := w.str(item, f)
		if !ok {
			return
		}
		v, err := check(s)
		if err != nil {
			w.errorf(item, f, "%q: %v", s, err)
			return
		}
		out = append(out, v)
	})
	return out
}

func (w *walker) allowedDevices(n *yaml.Node, field string, p *Policy) {
	p.AllowedDevices = w.strings(n, field, func(s string) (string, error) {
		if !path.IsAbs(s) || strings.ContainsAny(s, "*?[") {
			return "", errors.New("must be an absolute device path such as /dev/fuse (no globs: a directory would give every device in it)")
		}
		return path.Clean(s), nil
	})
}

func (w *walker) allowedSysctls(n *yaml.Node, field string, p *Policy) {
	p.AllowedSysctls = w.strings(n, field, func(s string) (string, error) {
		if _, err := path.Match(s, ""); err != nil || !ValidSysctlName(strings.ReplaceAll(s, "*", "x")) {
			return "", errors.New("must be a sysctl name such as net.ipv4.ping_group_range; * matches any part of a name")
		}
		return s, nil
	})
}

// ValidSysctlName reports whether s is a plain dotted sysctl name: ASCII
// letters, digits, '_' and '-' between single dots. Anything else (slashes,
// empty parts) is never on an allowed list.
func ValidSysctlName(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				return false
			}
		}
	}
	return true
}

func (w *walker) allowedCgroupParents(n *yaml.Node, field string, p *Policy) {
	p.AllowedCgroupParents = w.strings(n, field, func(s string) (string, error) {
		if s == "" {
			return "", errors.New("must not be empty; an empty CgroupParent is always allowed")
		}
		return s, nil
	})
}

func (w *walker) allowedRuntimes(n *yaml.Node, field string, p *Policy) {
	p.AllowedRuntimes = w.strings(n, field, func(s string) (string, error) {
		if s == "" {
			return "", errors.New("must not be empty; an empty Runtime (the daemon's default) is always allowed")
		}
		return s, nil
	})
}

func (w *walker) exceptions(n *yaml.Node, p *Policy) {
	w.list(n, "exceptions", func(i int, item *yaml.Node) {
		field := fmt.Sprintf("exceptions[%d]", i)
		e := Exception{Line: item.Line}
		if item.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(item.Content); j += 2 {
				if k := item.Content[j].Value; k != "users" && k != "rules" {
					w.errorf(item.Content[j], field+"."+k, "exceptions can only name users (the CommonName of a TLS client certificate the daemon verified) and rules; "+
						"request fields such as images or labels are chosen by the client and would let anyone opt out")
					item = withoutKey(item, j)
					j -= 2
				}
			}
		}
		w.mapping(item, field, []string{"users", "rules"}, func(k string, v *yaml.Node) {
			w.list(v, field+"."+k, func(j int, s *yaml.Node) {
				f := fmt.Sprintf("%s.%s[%d]", field, k, j)
				val, ok := w.str(s, f)
				if !ok {
					return
				}
				if k == "users" {
					if val == "" {
						w.errorf(s, f, "a user name cannot be empty")
						return
					}
					e.Users = append(e.Users, val)
					return
				}
				if !contains(ConfigurableRules, RuleName(val)) {
					w.errorf(s, f, "%q is not a rule; use one of: %s", val, strings.Join(ruleNames(), ", "))
					return
				}
				e.Rules = append(e.Rules, RuleName(val))
			})
		})
		if item.Kind == yaml.MappingNode && (len(e.Users) == 0 || len(e.Rules) == 0) && len(w.errs) == 0 {
			w.errorf(item, field, "needs a non-empty users list and a non-empty rules list")
		}
		p.Exceptions = append(p.Exceptions, e)
	})
}

// withoutKey returns a copy of a mapping node without the j-th key/value pair,
// so one unknown key is reported once, with its own explanation.
func withoutKey(n *yaml.Node, j int) *yaml.Node {
	c := *n
	c.Content = append(append([]*yaml.Node{}, n.Content[:j]...), n.Content[j+2:]...)
	return &c
}
