package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// ignoredDirs are not walked: version control, dependencies, virtualenvs.
var ignoredDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "node_modules": true, "vendor": true,
	"bower_components": true, ".venv": true, "venv": true, "__pycache__": true,
	".tox": true, ".terraform": true,
}

// composeDefaults are the names docker compose looks for, in its order
// (compose-go cli.DefaultFileNames), and their overrides.
var (
	composeDefaults  = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}
	composeOverrides = []string{"compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"}
	composeName      = regexp.MustCompile(`^(docker-)?compose([.-].+)?\.ya?ml$`)
	gitlabName       = regexp.MustCompile(`(^|\.)gitlab-ci\.ya?ml$`)
)

// kindOf tells a file's kind from its path, or "".
func kindOf(p string) Kind {
	base := filepath.Base(p)
	ext := filepath.Ext(base)
	switch {
	case gitlabName.MatchString(base):
		return GitLab
	case composeName.MatchString(base):
		return Compose
	case (ext == ".yml" || ext == ".yaml") && filepath.Base(filepath.Dir(p)) == "workflows" &&
		filepath.Base(filepath.Dir(filepath.Dir(p))) == ".github":
		return GitHub
	case ext == ".sh" || ext == ".bash":
		return Shell
	}
	return ""
}

// Run scans paths (files, or directories walked for the files ci-authz
// understands) and judges them with policy p. A file that cannot be read
// or parsed is reported in Problems and the rest is scanned. A nil policy
// is the embedded default.
func Run(paths []string, p *policy.Policy) *Result {
	if p == nil {
		p = policy.Default()
	}
	r := &Result{}
	s := &scanner{p: p, r: r, done: map[string]bool{}, kinds: map[string]Kind{}}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			r.Problems = append(r.Problems, Problem{Location: Location{File: root}, Message: "cannot read: " + unwrapPathError(err)})
			continue
		}
		if !info.IsDir() {
			k := kindOf(root)
			if k == "" {
				k, err = sniff(root)
				if err != nil {
					r.Problems = append(r.Problems, Problem{Location: Location{File: root}, Message: err.Error()})
					continue
				}
			}
			s.add(root, k)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				r.Problems = append(r.Problems, Problem{Location: Location{File: p}, Message: "cannot read: " + unwrapPathError(err)})
				return nil
			}
			if d.IsDir() {
				if p != root && ignoredDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			if k := kindOf(p); k != "" && d.Type().IsRegular() {
				s.add(p, k)
			}
			return nil
		})
		if err != nil {
			r.Problems = append(r.Problems, Problem{Location: Location{File: root}, Message: err.Error()})
		}
	}
	s.run()
	r.finish()
	return r
}

type scanner struct {
	p     *policy.Policy
	r     *Result
	order []string
	kinds map[string]Kind
	done  map[string]bool
}

func (s *scanner) add(p string, k Kind) {
	p = filepath.Clean(p)
	if _, ok := s.kinds[p]; !ok {
		s.order = append(s.order, p)
	}
	s.kinds[p] = k
}

func (s *scanner) run() {
	var compose []string
	for _, p := range s.order {
		switch s.kinds[p] {
		case Compose:
			compose = append(compose, p)
		case GitLab:
			s.gitlab(p)
		case GitHub:
			if f := s.yaml(p); f != nil {
				scanGitHub(f, s.p, s.r)
			}
		case Shell:
			s.shell(p)
		}
	}
	for _, group := range composeGroups(compose) {
		for _, f := range group {
			s.file(f)
		}
		for _, f := range scanCompose(group, s.p, s.r) {
			s.file(f)
		}
	}
}

// file records a file as scanned; false if it already was.
func (s *scanner) file(p string) bool {
	if s.done[p] {
		return false
	}
	s.done[p] = true
	s.r.Files = append(s.r.Files, p)
	return true
}

func (s *scanner) yaml(p string) *yamlFile {
	if !s.file(p) {
		return nil
	}
	f, err := readYAML(p)
	if err != nil {
		s.r.Problems = append(s.r.Problems, Problem{Location: Location{File: p}, Message: unwrapPathError(err)})
		return nil
	}
	return f
}

// gitlab scans a GitLab CI file and the local files it includes; an
// include that is missing is a warning (it may be conditional).
func (s *scanner) gitlab(p string) {
	f := s.yaml(p)
	if f == nil {
		return
	}
	for _, inc := range scanGitLab(f, s.p, s.r) {
		if _, err := os.Stat(inc.path); err != nil {
			s.r.Problems = append(s.r.Problems, Problem{Location: inc.at, Warning: true,
				Message: "include " + inc.name + " not scanned: " + unwrapPathError(err)})
			continue
		}
		s.gitlab(filepath.Clean(inc.path))
	}
}

func (s *scanner) shell(p string) {
	if !s.file(p) {
		return
	}
	data, err := os.ReadFile(p)
	if err != nil {
		s.r.Problems = append(s.r.Problems, Problem{Location: Location{File: p}, Message: "cannot read: " + unwrapPathError(err)})
		return
	}
	scanShellFile(p, string(data), s.p, s.r)
}

// composeGroups groups Compose files as docker compose loads them: a
// directory's default file with its override, and every other Compose file
// of the directory (docker-compose.ci.yml...) on top of the default file,
// as with `-f docker-compose.yml -f docker-compose.ci.yml`.
func composeGroups(files []string) [][]string {
	byDir := map[string][]string{}
	var dirs []string
	for _, f := range files {
		d := filepath.Dir(f)
		if _, ok := byDir[d]; !ok {
			dirs = append(dirs, d)
		}
		byDir[d] = append(byDir[d], f)
	}
	var groups [][]string
	for _, d := range dirs {
		base := firstExisting(d, composeDefaults)
		override := firstExisting(d, composeOverrides)
		var others []string
		wantBase := false
		for _, f := range byDir[d] {
			switch {
			case f == base, f == override:
				wantBase = true
			default:
				others = append(others, f)
			}
		}
		if base == "" {
			for _, f := range byDir[d] {
				groups = append(groups, []string{f})
			}
			continue
		}
		if wantBase {
			g := []string{base}
			if override != "" {
				g = append(g, override)
			}
			groups = append(groups, g)
		}
		for _, f := range others {
			groups = append(groups, []string{base, f})
		}
	}
	return groups
}

func firstExisting(dir string, names []string) string {
	for _, n := range names {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			if dir == "." {
				return n
			}
			return p
		}
	}
	return ""
}

// sniff tells the kind of a file named on the command line whose name
// says nothing: a YAML mapping with jobs and on is a GitHub workflow, with
// services a Compose file, with a job holding script a GitLab file.
func sniff(p string) (Kind, error) {
	f, err := readYAML(p)
	if err != nil {
		if data, rerr := os.ReadFile(p); rerr == nil && strings.HasPrefix(string(data), "#!") {
			return Shell, nil
		}
		return "", fmt.Errorf("%s", unwrapPathError(err))
	}
	for _, doc := range f.docs {
		if value(doc, "jobs") != nil && (value(doc, "on") != nil || value(doc, "true") != nil) {
			return GitHub, nil
		}
		if value(doc, "services") != nil && resolve(value(doc, "services")).Kind == yaml.MappingNode {
			return Compose, nil
		}
		if slices.ContainsFunc(pairs(doc), func(e pair) bool { return value(e.value, "script") != nil }) {
			return GitLab, nil
		}
	}
	return "", fmt.Errorf("not a Compose file, GitLab CI configuration, GitHub Actions workflow or shell script (by its name or its content); name it like compose.yaml, .gitlab-ci.yml, .github/workflows/x.yml or x.sh")
}

// unwrapPathError drops the path from an error about a path the message
// already names.
func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
