# Image form of the ci-authz managed-plugin rootfs. The layout and the
# entrypoint are the same as what scripts/make-plugin.sh produces and what
# config.json declares; keep the three in sync.
#
# Most hosts do not need this: `make plugin && sudo make install` builds the
# plugin directory locally (no docker build, no registry). Use this file when
# you distribute the plugin through your own registry:
#
#   docker build -t ci-authz-rootfs .
#   id=$(docker create ci-authz-rootfs)
#   rm -rf build/plugin && mkdir -p build/plugin/rootfs
#   docker export "$id" | tar -x -C build/plugin/rootfs
#   docker rm "$id"
#   cp config.json build/plugin/config.json
#   docker plugin create registry.example.com/ci-authz:1.0 build/plugin
#   docker plugin push registry.example.com/ci-authz:1.0
#
# and on each CI host (as root; the plugin stays disabled until ci-authz
# install has checked it and wired it into the daemon):
#
#   docker plugin install --disable --grant-all-permissions registry.example.com/ci-authz:1.0
#   ci-authz install --name registry.example.com/ci-authz:1.0
#
# (the plugin declares no extra capabilities; its "permissions" are the
# read-only mounts of /etc/ci-authz and of the host root at /host.)

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rootfs/ci-authz ./cmd/ci-authz \
 && mkdir -p /out/rootfs/run/docker/plugins /out/rootfs/etc/ci-authz /out/rootfs/host /out/rootfs/tmp \
 && chmod 1777 /out/rootfs/tmp

FROM scratch
COPY --from=build /out/rootfs/ /
ENTRYPOINT ["/ci-authz", "serve", "--socket", "/run/docker/plugins/ci-authz.sock", "--host-root", "/host"]
