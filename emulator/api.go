package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// serveAuthenticated checks the bearer token and the scope, then routes
// an /api request. Path segments are matched case-insensitively, as
// Halo does.
func (s *Server) serveAuthenticated(w http.ResponseWriter, r *http.Request, body []byte) {
	rest := strings.Trim(r.URL.Path[len("/api"):], "/")
	parts := strings.Split(rest, "/")
	resource := strings.ToLower(parts[0])
	idPart := ""
	if len(parts) > 1 {
		idPart = parts[1]
	}
	if len(parts) > 2 {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}

	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		writeText(w, http.StatusBadRequest, "malformed query string")
		return
	}

	if resource == "authinfo" {
		s.serveAuthInfo(w, r)
		return
	}
	tok := s.authenticate(w, r)
	if tok == nil {
		return
	}
	if !s.cfg.IgnoreScopes && !scopeAllows(tok, resource, r.Method) {
		// Halo's 403 body is undocumented.
		writeText(w, http.StatusForbidden, "Forbidden")
		return
	}

	switch resource {
	case "tickets":
		s.serveTickets(w, r, idPart, q, body)
	case "actions":
		s.serveActions(w, r, idPart, q, body, tok)
	case "status", "tickettype", "priority", "team", "agent", "category", "client",
		"site", "users", "fieldinfo", "outcome":
		s.serveLookup(w, r, resource, idPart, q)
	default:
		writeText(w, http.StatusNotFound, "Not Found")
	}
}

// scopeAllows decides whether a token may call a resource. Halo also
// limits calls by the login agent's permissions, which the emulator does
// not model.
//
// The mapping is partly inferred. It is strict on purpose: "all" and
// "all:standard" open everything; tickets and actions need
// read:tickets (GET) or edit:tickets; customers (Client, Site, Users)
// need read:/edit:customers; Agent, Status and Team answer 403 to any
// token without all, all:standard or admin, as Halo has been seen to do
// for narrow scopes; the ticket lookups (TicketType, Priority, Category,
// FieldInfo, Outcome) need a tickets scope.
func scopeAllows(t *token, resource, method string) bool {
	if t.has("all", "all:standard") {
		return true
	}
	write := method != http.MethodGet
	switch resource {
	case "tickets", "actions":
		if write {
			return t.has("edit:tickets")
		}
		return t.has("read:tickets", "edit:tickets")
	case "client", "site", "users":
		if write {
			return t.has("edit:customers")
		}
		return t.has("read:customers", "edit:customers")
	case "agent", "status", "team":
		return t.has("admin")
	case "tickettype", "priority", "category", "fieldinfo", "outcome":
		return t.has("read:tickets", "edit:tickets", "admin")
	}
	return t.has("admin")
}

// serveAuthInfo implements GET /api/AuthInfo, which needs no token.
func (s *Server) serveAuthInfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"auth_url":  s.AuthURL(),
		"tenant_id": s.cfg.Tenant,
	})
}

// query holds query parameters by lower-case name (ASP.NET binds query
// names case-insensitively); repeated names keep the first value.
type query map[string]string

func parseQuery(raw string) (query, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, err
	}
	q := query{}
	for k, vs := range v {
		lk := strings.ToLower(k)
		if _, dup := q[lk]; !dup && len(vs) > 0 {
			q[lk] = vs[0]
		}
	}
	return q, nil
}

func (q query) get(k string) string { return q[k] }

func (q query) has(k string) bool { _, ok := q[k]; return ok }

// bool reports whether k is "true" (any case).
func (q query) bool(k string) bool { return strings.EqualFold(q[k], "true") }

// boolStrict parses k, rejecting anything but true/false so a client
// that sends 1 or yes sees an error.
func (q query) boolStrict(k string) (bool, error) {
	v, ok := q[k]
	if !ok || v == "" {
		return false, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalidValue(k, v)
}

func (q query) int(k string) (int, bool) {
	v, ok := q[k]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

// invalidValueError is a query value Halo cannot parse. Its text is the
// 400 body Halo sends, repeated byte for byte (capital and full stop
// included) because clients may match it.
type invalidValueError struct{ key, value string }

func (e *invalidValueError) Error() string {
	return fmt.Sprintf("The value '%s' is not valid for %s.", e.value, e.key)
}

func invalidValue(k, v string) error { return &invalidValueError{key: k, value: v} }

// intStrict parses k as an integer, erroring on junk.
func (q query) intStrict(k string) (int, bool, error) {
	v, ok := q[k]
	if !ok || v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, false, invalidValue(k, v)
	}
	return n, true, nil
}

// intList parses a comma-separated list of integers.
func (q query) intList(k string) ([]int, error) {
	v := q[k]
	if v == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, invalidValue(k, v)
		}
		out = append(out, n)
	}
	return out, nil
}

// pagingSpec is the paging a list request asked for.
type pagingSpec struct {
	on       bool
	no, size int
}

const (
	maxPageSize     = 100
	defaultPageSize = 50 // Halo's default is unknown; the reference example shows 50
)

// paging reads pageinate, page_no (1-based) and page_size; page_size is
// clamped to 100 silently, as Halo does.
func (q query) paging() (pagingSpec, error) {
	on, err := q.boolStrict("pageinate")
	if err != nil {
		return pagingSpec{}, err
	}
	p := pagingSpec{on: on, no: 1, size: defaultPageSize}
	if n, ok, err := q.intStrict("page_no"); err != nil {
		return pagingSpec{}, err
	} else if ok && n > 1 {
		p.no = n
	}
	if n, ok, err := q.intStrict("page_size"); err != nil {
		return pagingSpec{}, err
	} else if ok && n > 0 {
		p.size = min(n, maxPageSize)
	}
	return p, nil
}

func pageOf[T any](rows []T, p pagingSpec) []T {
	start := (p.no - 1) * p.size
	if start >= len(rows) {
		return []T{}
	}
	return rows[start:min(start+p.size, len(rows))]
}
