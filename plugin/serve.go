package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/docker/go-plugins-helpers/authorization"
	"github.com/docker/go-plugins-helpers/sdk"
)

// The plugin protocol's endpoints (pkg/authorization/api.go in moby).
const (
	activatePath = "/Plugin.Activate"
	authzReqPath = "/" + authorization.AuthZApiRequest
	authzResPath = "/" + authorization.AuthZApiResponse
)

// Serve serves the authorization plugin protocol on l until l is closed.
//
// It answers like go-plugins-helpers' authorization.Handler, byte for
// byte, with one difference: AuthZRes is allowed without decoding what
// the daemon sends. ci-authz allows every response (see AuthZRes), and the
// daemon sends the request body again with up to 64 KiB of response body;
// decoding that for nothing was half the CPU the plugin protocol costs per
// API call (make bench).
func (h *Handler) Serve(l net.Listener) error {
	srv := &http.Server{Handler: h.mux()}
	return srv.Serve(l)
}

func (h *Handler) mux() *http.ServeMux {
	mux := http.NewServeMux()
	// go-plugins-helpers sdk/handler.go: the manifest of an authz plugin.
	mux.HandleFunc(activatePath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", sdk.DefaultContentTypeV1_1)
		fmt.Fprintln(w, `{"Implements": ["`+authorization.AuthZApiImplements+`"]}`)
	})
	mux.HandleFunc(authzReqPath, func(w http.ResponseWriter, r *http.Request) {
		// As go-plugins-helpers authorization/api.go: a request that does
		// not decode gets HTTP 400, which the daemon reports as a plugin
		// failure and refuses the API call; the zero Request is still
		// decided, so the denial is logged.
		var req authorization.Request
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		if err := d.Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
		res := h.AuthZReq(req)
		sdk.EncodeResponse(w, res, res.Err != "")
	})
	mux.HandleFunc(authzResPath, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // read, so the connection is kept
		res := h.AuthZRes(authorization.Request{})
		sdk.EncodeResponse(w, res, res.Err != "")
	})
	return mux
}
