package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlFile is a YAML file kept as nodes, for line and column numbers.
type yamlFile struct {
	path  string
	docs  []*yaml.Node // document contents (mapping, sequence or scalar)
	lines []string     // raw lines, for the indentation of block scalars
}

// readYAML reads every document of a YAML file.
func readYAML(path string) (*yamlFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &yamlFile{path: path, lines: strings.Split(string(data), "\n")}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: %v", err)
		}
		if len(doc.Content) == 1 {
			f.docs = append(f.docs, doc.Content[0])
		}
	}
	return f, nil
}

// resolve follows aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pair is a key and its value in a mapping.
type pair struct{ key, value *yaml.Node }

// maxExpanded bounds what merge keys and aliases may expand to: a file can
// nest aliases to blow up exponentially ("billion laughs") or merge a
// mapping into itself.
const maxExpanded = 10000

// pairs lists the entries of a mapping, merge keys (<<: *anchor)
// included the way YAML merges them: keys written in the mapping win over
// merged ones, earlier merged mappings over later ones.
func pairs(m *yaml.Node) []pair {
	budget := maxExpanded
	return pairsIn(m, map[*yaml.Node]bool{}, &budget)
}

func pairsIn(m *yaml.Node, path map[*yaml.Node]bool, budget *int) []pair {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode || path[m] || *budget <= 0 {
		return nil
	}
	path[m] = true
	defer delete(path, m)
	var own, merged []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		*budget--
		if k.Tag == "!!merge" {
			src := resolve(v)
			maps := []*yaml.Node{src}
			if src != nil && src.Kind == yaml.SequenceNode {
				maps = src.Content
			}
			for _, mm := range maps {
				merged = append(merged, pairsIn(mm, path, budget)...)
			}
			continue
		}
		own = append(own, pair{k, v})
		seen[k.Value] = true
	}
	for _, p := range merged {
		if !seen[p.key.Value] {
			own = append(own, p)
			seen[p.key.Value] = true
		}
	}
	return own
}

// get returns the entry of key in mapping m.
func get(m *yaml.Node, key string) (pair, bool) {
	for _, p := range pairs(m) {
		if p.key.Value == key {
			return p, true
		}
	}
	return pair{}, false
}

// value returns the value of key in m, aliases resolved, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	p, ok := get(m, key)
	if !ok {
		return nil
	}
	return resolve(p.value)
}

// items lists a sequence's items; a nested sequence (GitLab allows them
// in scripts, from anchors) is flattened. An alias item keeps its own
// node so that positions point at where it is used.
func items(n *yaml.Node) []*yaml.Node {
	budget := maxExpanded
	return itemsIn(n, map[*yaml.Node]bool{}, &budget)
}

func itemsIn(n *yaml.Node, path map[*yaml.Node]bool, budget *int) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode || path[n] {
		return nil
	}
	path[n] = true
	defer delete(path, n)
	var out []*yaml.Node
	for _, it := range n.Content {
		if *budget <= 0 {
			break
		}
		r := resolve(it)
		if r != nil && r.Tag == "!reference" {
			continue // GitLab's !reference [.job, script]: judged where it is written
		}
		if r != nil && r.Kind == yaml.SequenceNode {
			out = append(out, itemsIn(r, path, budget)...)
			continue
		}
		*budget--
		out = append(out, it)
	}
	return out
}

// str is a scalar's text ("" for anything else).
func str(n *yaml.Node) string {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// stringList reads a string or a list of strings.
func stringList(n *yaml.Node) []*yaml.Node {
	r := resolve(n)
	if r == nil {
		return nil
	}
	if r.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	return items(n)
}

// textOrigin maps byte offsets in a scalar's text to the file: exact for
// one-line scalars and for block scalars (| and >; in > blocks, after a
// blank line, columns can be off by one), the scalar's start for
// multi-line flow scalars.
type textOrigin struct {
	node *yaml.Node
	segs []segment // block scalars: where each content line starts
	// exact is true for a flow scalar written on one line as its text is.
	exact bool
}

// segment is a content line of a block scalar: its offset in the text and
// its place in the file.
type segment struct{ off, line, col int }

func newTextOrigin(f *yamlFile, n *yaml.Node) textOrigin {
	o := textOrigin{node: n}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		if n.Line >= 1 && n.Line <= len(f.lines) {
			raw, start := f.lines[n.Line-1], n.Column-1
			if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
				start++
			}
			o.exact = start <= len(raw) && strings.HasPrefix(raw[start:], n.Value)
		}
		return o
	}
	indent, off := -1, 0
	for l := n.Line; l < len(f.lines); l++ { // f.lines[n.Line] is the line after the indicator
		raw := f.lines[l]
		t := strings.TrimLeft(raw, " ")
		if strings.TrimSpace(raw) == "" {
			off++ // an empty line is a newline in the text
			continue
		}
		ind := len(raw) - len(t)
		if indent < 0 {
			indent = ind
		}
		if ind < indent {
			break
		}
		o.segs = append(o.segs, segment{off, l + 1, indent + 1})
		off += len(raw) - indent + 1
	}
	return o
}

// pos returns the file line and column of byte offset off of the text.
func (o textOrigin) pos(off int) (int, int) {
	n := o.node
	if len(o.segs) > 0 {
		s := o.segs[0]
		for _, x := range o.segs {
			if x.off <= off {
				s = x
			}
		}
		return s.line, s.col + off - s.off
	}
	if !o.exact {
		return n.Line, n.Column
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return n.Line, n.Column + 1 + off // after the opening quote
	}
	return n.Line, n.Column + off
}
