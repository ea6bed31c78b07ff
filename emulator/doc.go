// Package emulator is an in-process model of the HaloITSM REST API for
// tests and demos.
//
// A Server answers the OAuth2 token endpoint (POST /auth/token) and the
// resource server under /api: tickets, actions, the lookups (statuses,
// ticket types, priorities, teams, agents, categories, clients, sites,
// users, custom field definitions, outcomes) and GET /api/AuthInfo. It
// sends outgoing webhooks in Halo's payload shape, limits requests with a
// rolling window like hosted Halo, and injects faults (latency, 5xx,
// dropped connections, writes that are applied and then reported as
// failed) on demand.
//
// The model follows what is known of HaloITSM's behaviour. Where Halo's
// behaviour is inferred or unknown, the emulator takes the strictest
// plausible choice, the one that makes a client's mistake visible, and
// says so in a comment beside the code.
//
// Everything a Server does is loopback only: Listen refuses other
// addresses and webhooks are only delivered to loopback receivers.
//
// A Server is safe for concurrent use. Its request log redacts
// secrets (the Authorization header is never recorded; client secrets,
// passwords and tokens in bodies and queries become REDACTED).
package emulator
