// Command nullplugin is the baseline of `make bench`: an authorization
// plugin built from go-plugins-helpers, like ci-authz, that allows every
// request without looking at it. Whatever it costs is the unavoidable cost
// of the plugin protocol; what ci-authz costs on top is its own.
//
// Besides the authz endpoints it answers POST /NullPlugin.Count with the
// number of AuthZReq and AuthZRes calls so far, so that the benchmark can
// check that a daemon really consulted it.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/docker/go-connections/sockets"
	"github.com/docker/go-plugins-helpers/authorization"
)

// Counts is the answer of /NullPlugin.Count.
type Counts struct {
	Req uint64 `json:"req"`
	Res uint64 `json:"res"`
}

type allowAll struct{ req, res atomic.Uint64 }

func (a *allowAll) AuthZReq(authorization.Request) authorization.Response {
	a.req.Add(1)
	return authorization.Response{Allow: true}
}

func (a *allowAll) AuthZRes(authorization.Request) authorization.Response {
	a.res.Add(1)
	return authorization.Response{Allow: true}
}

func main() {
	socket := flag.String("socket", "", "unix socket to listen on (required)")
	flag.Parse()
	if *socket == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: nullplugin --socket PATH")
		os.Exit(2)
	}
	l, err := sockets.NewUnixSocket(*socket, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nullplugin: %v\n", err)
		os.Exit(1)
	}
	defer os.Remove(*socket)

	p := &allowAll{}
	h := authorization.NewHandler(p)
	h.HandleFunc("/NullPlugin.Count", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(Counts{Req: p.req.Load(), Res: p.res.Load()})
	})

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		l.Close()
	}()
	if err := h.Serve(l); err != nil && !errors.Is(err, net.ErrClosed) {
		fmt.Fprintf(os.Stderr, "nullplugin: %v\n", err)
		os.Exit(1)
	}
}
