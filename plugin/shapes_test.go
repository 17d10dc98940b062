package plugin

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
)

// TestContainerConfigMirrorsDocker pins ContainerConfig to container.Config:
// the same fields, names, tags and order, so that encoding/json resolves
// every key (and every top-level legacy HostConfig key, which competes with
// them) exactly as with the daemon's type. Only the shape-checked fields
// differ in type, each from the one Docker type it stands for.
func TestContainerConfigMirrorsDocker(t *testing.T) {
	standsFor := map[reflect.Type]reflect.Type{
		reflect.TypeFor[jsonStrings]():   reflect.TypeFor[[]string](),
		reflect.TypeFor[jsonStringMap](): reflect.TypeFor[map[string]string](),
		reflect.TypeFor[jsonSet]():       reflect.TypeFor[map[string]struct{}](),
	}
	docker, mirror := reflect.TypeFor[container.Config](), reflect.TypeFor[ContainerConfig]()
	if docker.NumField() != mirror.NumField() {
		t.Fatalf("container.Config has %d fields, ContainerConfig %d: update ContainerConfig", docker.NumField(), mirror.NumField())
	}
	for i := range docker.NumField() {
		d, m := docker.Field(i), mirror.Field(i)
		if d.Name != m.Name || d.Tag != m.Tag || d.Anonymous != m.Anonymous {
			t.Errorf("field %d: container.Config has %s `%s`, ContainerConfig %s `%s`", i, d.Name, d.Tag, m.Name, m.Tag)
		}
		if d.Type != m.Type && standsFor[m.Type] != d.Type {
			t.Errorf("field %s: ContainerConfig's %v does not stand for container.Config's %v", d.Name, m.Type, d.Type)
		}
	}
}

// shapeBodies are create bodies around the shape-checked fields: values of
// every JSON kind, nulls where encoding/json ignores them, odd spacing.
var shapeBodies = []string{
	`{"Image":"x","Env":["A=1",null,"B=\"2\"\\"],"Cmd":null,"Entrypoint":[],"Shell":[ "sh" , "-c" ],"OnBuild":null}`,
	`{"Image":"x","Env":"A=1"}`,
	`{"Image":"x","Env":[1]}`,
	`{"Image":"x","Env":[["A"]]}`,
	`{"Image":"x","Env":[true]}`,
	`{"Image":"x","Env":{}}`,
	`{"Image":"x","Cmd":"sh"}`,
	`{"Image":"x","Labels":{"a":"1","b":null,"c\u017f":"\u00e9"}}`,
	`{"Image":"x","Labels":{"a":1}}`,
	`{"Image":"x","Labels":[]}`,
	`{"Image":"x","Labels":"a"}`,
	`{"Image":"x","Volumes":{"/data":{},"/b":null,"/c":{"x":[1,{"y":null}],"z":-1.5e3}}}`,
	`{"Image":"x","Volumes":{"/data":1}}`,
	`{"Image":"x","Volumes":{"/data":[]}}`,
	`{"Image":"x","Volumes":[]}`,
	`{"Image":"x","Volumes":null,"Labels":null,"Env":null}`,
	"{\"Image\":\"x\",\"Env\" : [ \"A\" ,\n\t\"B\" ] ,\"HostConfig\":{\"Privileged\":true}}",
	`{"Image":"x","env":["A"],"ENV":[1]}`,
	`{"Image":"x","Env":["A"],"Privileged":true,"Binds":["/run:/r"]}`,
	`{"Env":["A"]}`,
	`{"HostConfig":{"Privileged":true}}`,
	`{}`,
	`null`,
	`{"Image":"x","Env":["A"]} `,
	`{"Image":"x","Env":["A"]} {}`,
	`{"Image":"x","Env":["A"],"HostConfig":{"Privileged":"yes"}}`,
	`{"Image":"x","Healthcheck":{"Test":["CMD","true"],"Interval":1},"ExposedPorts":{"80/tcp":{}},"StopTimeout":3}`,
	`{"Image":"x","ExposedPorts":{"eighty":{}}}`,
}

// TestDecodeCreateFastMatchesDocker: whatever the shortcut in decodeCreate
// does, the request and the error are those of decoding with the daemon's
// types.
func TestDecodeCreateFastMatchesDocker(t *testing.T) {
	for _, body := range shapeBodies {
		assertDecodeCreateLikeDocker(t, []byte(body))
	}
}

// FuzzDecodeCreateFast compares decodeCreate with a plain decode into the
// daemon's types on arbitrary bodies.
func FuzzDecodeCreateFast(f *testing.F) {
	for _, b := range shapeBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		assertDecodeCreateLikeDocker(t, body)
	})
}

func assertDecodeCreateLikeDocker(t *testing.T, body []byte) {
	t.Helper()
	got, gotImage, gotErr := decodeCreate(body)

	var b createBody
	wantErr := decodeJSON(body, &b, "container create request")
	if wantErr == nil && b.Config == nil {
		wantErr = &bodyError{field: "RequestBody", reason: "the body has no container configuration"}
	}
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && *gotErr != *wantErr {
		t.Fatalf("%s\ndecodeCreate error: %v\nwith Docker's types: %v", trim(body), gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	want := createRequest(b.InnerHostConfig, b.HostConfig)
	if gotImage != b.Image || !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("%s\ndecodeCreate: %s %s\nwith Docker's types: %s %s", trim(body), gotImage, gj, b.Image, wj)
	}
}

func trim(b []byte) string {
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// TestShapesAgreeWithDocker: each shape check accepts exactly the values
// encoding/json accepts for the Docker type it stands for. Accepting more
// would let an undecodable body through; accepting less only costs the
// fallback decode, but the checks are meant to be exact.
func TestShapesAgreeWithDocker(t *testing.T) {
	values := []string{`null`, ` null `, `nul`, `[]`, `[ ]`, `["a"]`, `["a",null]`, `["a\"b\\"]`, `[1]`, `[true]`, `[["a"]]`,
		`[{}]`, `["a",]`, `["a" "b"]`, `"a"`, `1`, `true`, `{}`, `{"a":"b"}`, `{"a":null}`, `{"a":1}`, `{"a":{}}`,
		`{"a":{"b":[1,2,{"c":null}],"d":-1.5e+3}}`, `{"a":[]}`, `{"a":"b",}`, `{"a"}`, `{"a":"b"} x`, `[`, `{`, ``}
	shapes := []struct {
		shape  json.Unmarshaler
		docker func() any
	}{
		{jsonStrings{}, func() any { return new([]string) }},
		{jsonStringMap{}, func() any { return new(map[string]string) }},
		{jsonSet{}, func() any { return new(map[string]struct{}) }},
	}
	for _, s := range shapes {
		for _, v := range values {
			if !json.Valid([]byte(v)) {
				// encoding/json never hands a shape invalid JSON; it must
				// still not accept it.
				if s.shape.UnmarshalJSON([]byte(v)) == nil {
					t.Errorf("%T accepts invalid JSON %s", s.shape, v)
				}
				continue
			}
			shapeOK := s.shape.UnmarshalJSON([]byte(v)) == nil
			dockerOK := json.Unmarshal([]byte(v), s.docker()) == nil
			if shapeOK != dockerOK {
				t.Errorf("%T on %s: accepts %v, encoding/json into %T accepts %v", s.shape, v, shapeOK, s.docker(), dockerOK)
			}
		}
	}
}
