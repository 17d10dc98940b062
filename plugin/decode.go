package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strconv"

	"github.com/docker/go-plugins-helpers/authorization"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"

	"github.com/ci-authz/ci-authz/internal/checks"
	"github.com/ci-authz/ci-authz/internal/route"
)

// MaxBody is the largest body ci-authz judges. Daemons before 29.3.1 forward
// only bodies under 1 MiB and pass larger ones to the plugin as empty while
// still acting on them (CVE-2026-34040); no legitimate create comes near.
const MaxBody = 1<<20 - 1

// createBody mirrors how daemons decode POST /containers/create. Current
// daemons use container.CreateRequest {*Config, HostConfig, NetworkingConfig}.
// Older ones (runconfig ContainerConfigWrapper, still in dockerd 20.10) also
// embed a second *HostConfig, so HostConfig fields at the TOP level of the
// body are read too and used when "HostConfig" is absent. Both are decoded
// and both are judged: {"Image":"x","Privileged":true} must not pass.
type createBody struct {
	*container.Config
	InnerHostConfig  *container.HostConfig     `json:"HostConfig,omitempty"`
	NetworkingConfig *network.NetworkingConfig `json:"NetworkingConfig,omitempty"`
	Cpuset           string                    `json:",omitempty"`
	// The legacy top-level fields, promoted exactly as in the daemon's type.
	*container.HostConfig
}

// fastCreateBody is createBody with ContainerConfig, which resolves every
// key the same way but only checks the shape of the string lists and maps
// no check reads. Any error falls back to createBody (decodeCreate).
type fastCreateBody struct {
	*ContainerConfig
	InnerHostConfig  *container.HostConfig     `json:"HostConfig,omitempty"`
	NetworkingConfig *network.NetworkingConfig `json:"NetworkingConfig,omitempty"`
	Cpuset           string                    `json:",omitempty"`
	*container.HostConfig
}

// bodyError is a request ci-authz cannot judge; it is denied as
// malformedRequest.
type bodyError struct {
	field, value, reason string
	// fix replaces the usual advice (send a complete JSON body), if set.
	fix string
}

func (e *bodyError) Error() string { return e.reason }

// jsonBody returns the body of a request whose body can grant privilege,
// or why it cannot be judged.
func jsonBody(req *authorization.Request) ([]byte, *bodyError) {
	body := req.RequestBody
	if cl, ok := req.RequestHeaders["Content-Length"]; ok {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 {
			return nil, &bodyError{field: "Content-Length", value: cl, reason: "the Content-Length header is not a number"}
		}
		if n != int64(len(body)) {
			return nil, &bodyError{field: "RequestBody", value: fmt.Sprintf("%d of %d bytes", len(body), n),
				reason: "the daemon forwarded only part of the body (it skips bodies of 1 MiB or more), so ci-authz cannot see what this request asks for"}
		}
	}
	if len(body) == 0 {
		return nil, &bodyError{field: "RequestBody", value: "empty",
			reason: "the body is missing, or the daemon did not forward it (chunked or 1 MiB or more on daemons before 29.3.1), so ci-authz cannot see what this request asks for"}
	}
	if len(body) > MaxBody {
		return nil, &bodyError{field: "RequestBody", value: fmt.Sprintf("%d bytes", len(body)),
			reason: "the body is 1 MiB or more; older daemons hide such bodies from plugins, so ci-authz refuses them"}
	}
	// The daemon only forwards bodies whose Content-Type is application/json
	// and rejects JSON endpoints called with any other type; a plugin-visible
	// type that disagrees means duplicated headers, so refuse.
	ct := req.RequestHeaders["Content-Type"]
	if ct == "application/json" { // what clients send; spare the parse
		return body, nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return nil, &bodyError{field: "Content-Type", value: ct, reason: "the body must be sent as application/json"}
	}
	return body, nil
}

// decodeJSON decodes body into v with encoding/json, exactly as the daemon
// does (case-insensitive keys with Unicode folding, last duplicate wins),
// and refuses anything after the first JSON value.
func decodeJSON(body []byte, v any, what string) *bodyError {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return &bodyError{field: "RequestBody", reason: fmt.Sprintf("the body is not a valid %s: %v", what, err)}
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return &bodyError{field: "RequestBody", reason: fmt.Sprintf("the body has content after the %s JSON object", what)}
	}
	return nil
}

// decodeCreate turns a container create body into what the checks judge.
// The common case, a body that decodes, takes fastCreateBody and
// json.Unmarshal; anything else is decoded again with the daemon's exact
// types and decodeJSON, so that what is denied, and the message, do not
// depend on the shortcut (FuzzDecodeCreateFast compares the two).
func decodeCreate(body []byte) (*checks.Request, string, *bodyError) {
	var f fastCreateBody
	if json.Unmarshal(body, &f) == nil && f.ContainerConfig != nil {
		return createRequest(f.InnerHostConfig, f.HostConfig), f.Image, nil
	}
	var b createBody
	if err := decodeJSON(body, &b, "container create request"); err != nil {
		return nil, "", err
	}
	if b.Config == nil {
		// The daemon refuses this too ("config cannot be empty").
		return nil, "", &bodyError{field: "RequestBody", reason: "the body has no container configuration"}
	}
	return createRequest(b.InnerHostConfig, b.HostConfig), b.Image, nil
}

func createRequest(inner, topLevel *container.HostConfig) *checks.Request {
	c := &checks.Request{}
	if inner != nil {
		c.HostConfigs = append(c.HostConfigs, checks.HostConfig{Path: "HostConfig", HostConfig: inner})
	}
	if topLevel != nil {
		c.HostConfigs = append(c.HostConfigs, checks.HostConfig{Path: "", HostConfig: topLevel})
	}
	return c
}

// decodeJSONBody reads a body that can grant privilege and decodes it.
func decodeJSONBody(req *authorization.Request, decode func([]byte) (*checks.Request, *bodyError)) (*checks.Request, *bodyError) {
	body, err := jsonBody(req)
	if err != nil {
		return nil, err
	}
	return decode(body)
}

// decodeUpdate turns a container update body (container.UpdateConfig:
// Resources and RestartPolicy, decoded with httputils.ReadJSON) into what
// the checks judge: its resources, as a host configuration. Current
// daemons apply only cgroup limits on update (daemon/update_linux.go), but
// a device or cgroup parent there is judged like on create all the same.
func decodeUpdate(body []byte) (*checks.Request, *bodyError) {
	var u container.UpdateConfig
	if err := decodeJSON(body, &u, "container update request"); err != nil {
		return nil, err
	}
	return &checks.Request{HostConfigs: []checks.HostConfig{{HostConfig: &container.HostConfig{Resources: u.Resources}}}}, nil
}

// buildRequest reads a classic build's options from its query, as the
// daemon's newImageBuildOptions does with r.FormValue (first value,
// case-sensitive keys). FormValue also parses a form body, and its values
// come before the query's; a plugin never sees such a body, so a build
// sent with a form content type is refused.
func buildRequest(req *authorization.Request, ep route.Endpoint) (*checks.Request, *bodyError) {
	ct := req.RequestHeaders["Content-Type"]
	if mt, _, err := mime.ParseMediaType(ct); err == nil && (mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data") {
		return nil, &bodyError{field: "Content-Type", value: ct,
			reason: "the daemon would read build options from a form body, which authorization plugins never see",
			fix:    "send the build context as application/x-tar with the options in the query, as the docker CLI does"}
	}
	return &checks.Request{Build: &checks.BuildOptions{
		NetworkMode:  ep.Query.Get("networkmode"),
		CgroupParent: ep.Query.Get("cgroupparent"),
	}}, nil
}

// decodeExec turns an exec create body into what the checks judge.
func decodeExec(body []byte) (*checks.Request, *bodyError) {
	var e container.ExecCreateRequest
	if err := decodeJSON(body, &e, "exec create request"); err != nil {
		return nil, err
	}
	return &checks.Request{Exec: &e}, nil
}

// decodeVolume turns a volume create body into what the checks judge.
func decodeVolume(body []byte) (*checks.Request, *bodyError) {
	var v volume.CreateRequest
	if err := decodeJSON(body, &v, "volume create request"); err != nil {
		return nil, err
	}
	return &checks.Request{Volume: &v}, nil
}
