# The plugin is one static Go binary (CGO disabled) with plugin.spec.yaml
# embedded. Build it first with `make build` (GOOS=linux GOARCH=amd64), then
# `docker build -t haloconnect/haloitsm:3.0.0 .`. `make export` builds an
# equivalent image without a Docker engine.
#
# The parent is the InsightConnect Go plugin image so Rapid7's validators
# accept the file; the binary needs nothing from it. CA roots are compiled
# into the binary, so TLS works on any base.
FROM --platform=linux/amd64 komand/go-plugin-2:2

LABEL organization=haloconnect
LABEL sdk=go
LABEL type=plugin

ADD ./plugin.spec.yaml /plugin.spec.yaml
ADD ./bin/icon_haloitsm /usr/local/bin/icon_haloitsm

USER nobody

ENTRYPOINT ["/usr/local/bin/icon_haloitsm"]
