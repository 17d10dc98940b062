package plugin

import (
	"bytes"
	"errors"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// ContainerConfig has exactly container.Config's fields, names, tags and
// order (TestContainerConfigMirrorsDocker pins it), so encoding/json sends
// every key of a create body to the same field as with the daemon's type,
// top-level legacy HostConfig keys included. No check reads these fields but
// Image; the string lists and maps among them are only checked for their
// JSON shape (jsonStrings, jsonStringMap, jsonSet) instead of allocating
// every string: a CI job's Env alone has dozens of entries.
//
// It is exported only because encoding/json fills embedded pointers to
// exported types only.
type ContainerConfig struct {
	Hostname        string
	Domainname      string
	User            string
	AttachStdin     bool
	AttachStdout    bool
	AttachStderr    bool
	ExposedPorts    network.PortSet `json:",omitempty"`
	Tty             bool
	OpenStdin       bool
	StdinOnce       bool
	Env             jsonStrings
	Cmd             jsonStrings
	Healthcheck     *container.HealthConfig `json:",omitempty"`
	ArgsEscaped     bool                    `json:",omitempty"`
	Image           string
	Volumes         jsonSet
	WorkingDir      string
	Entrypoint      jsonStrings
	NetworkDisabled bool        `json:",omitempty"`
	OnBuild         jsonStrings `json:",omitempty"`
	Labels          jsonStringMap
	StopSignal      string      `json:",omitempty"`
	StopTimeout     *int        `json:",omitempty"`
	Shell           jsonStrings `json:",omitempty"`
}

// errShape means a value does not have the JSON shape its Docker type
// accepts, or that the shape check is not sure: the caller then decodes
// with the Docker types, which decide.
var errShape = errors.New("not the JSON shape of the Docker type")

// jsonStrings accepts what encoding/json accepts for a []string: null, or
// an array of strings and nulls (a null element is left as "").
type jsonStrings struct{}

func (jsonStrings) UnmarshalJSON(b []byte) error {
	return shape(b, func(s *scan) bool { return s.array(s.stringOrNull) })
}

// jsonStringMap accepts what encoding/json accepts for a map[string]string:
// null, or an object whose values are strings or nulls.
type jsonStringMap struct{}

func (jsonStringMap) UnmarshalJSON(b []byte) error {
	return shape(b, func(s *scan) bool { return s.object(s.stringOrNull) })
}

// jsonSet accepts what encoding/json accepts for a map[string]struct{}:
// null, or an object whose values are objects (any keys: struct{} has no
// fields, so every key is ignored) or nulls.
type jsonSet struct{}

func (jsonSet) UnmarshalJSON(b []byte) error {
	return shape(b, func(s *scan) bool { return s.object(s.objectOrNull) })
}

// shape runs a shape check over one JSON value. encoding/json has already
// checked the value's syntax, but the scan does not rely on it: anything it
// does not recognise is errShape.
func shape(b []byte, value func(*scan) bool) error {
	s := scan{b: b}
	s.space()
	if s.literal("null") {
		s.space()
		if s.i == len(s.b) {
			return nil
		}
		return errShape
	}
	if !value(&s) {
		return errShape
	}
	s.space()
	if s.i != len(s.b) {
		return errShape
	}
	return nil
}

// scan walks a JSON value without allocating.
type scan struct {
	b     []byte
	i     int
	depth int
}

// maxDepth is encoding/json's own nesting limit; deeper input never gets here.
const maxDepth = 10000

func (s *scan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *scan) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scan) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// str skips a string; escapes are only stepped over (the syntax was checked).
func (s *scan) str() bool {
	if s.peek() != '"' {
		return false
	}
	s.i++
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			return false
		}
		s.i += j + 1
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for k := s.i - 2; k >= 0 && s.b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
	}
}

func (s *scan) stringOrNull() bool { return s.literal("null") || s.str() }

func (s *scan) objectOrNull() bool {
	return s.literal("null") || s.object(s.any)
}

// any skips one value of any kind.
func (s *scan) any() bool {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == '{':
		return s.object(s.any)
	case c == '[':
		return s.array(s.any)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		s.i++
		for s.i < len(s.b) && (s.b[s.i] >= '0' && s.b[s.i] <= '9' || s.b[s.i] == '.' ||
			s.b[s.i] == 'e' || s.b[s.i] == 'E' || s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		return true
	}
	return false
}

// array walks [elem, elem, ...].
func (s *scan) array(elem func() bool) bool { return s.seq('[', ']', elem) }

// object walks {"key": value, ...}.
func (s *scan) object(value func() bool) bool {
	return s.seq('{', '}', func() bool {
		if !s.str() {
			return false
		}
		s.space()
		if s.peek() != ':' {
			return false
		}
		s.i++
		s.space()
		return value()
	})
}

func (s *scan) seq(open, close byte, item func() bool) bool {
	if s.peek() != open || s.depth >= maxDepth {
		return false
	}
	s.depth++
	s.i++
	s.space()
	ok := s.peek() == close
	if ok {
		s.i++
	}
	for !ok {
		s.space()
		if !item() {
			return false
		}
		s.space()
		switch s.peek() {
		case ',':
			s.i++
		case close:
			s.i++
			ok = true
		default:
			return false
		}
	}
	s.depth--
	return true
}
