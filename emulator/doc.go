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
// # Seed data
//
// Every Server starts with the same lookups (ids chosen to match Halo's
// known defaults where those are known):
//
//   - Status: 1 New, 2 In Progress, 3 Action Required, 8 Pending
//     Closure, 9 Closed, 21 Waiting on User, 22 Waiting on Supplier,
//     24 Cancelled (also closed), 28 On Hold. Ids 4 and 5 do not exist.
//   - TicketType: 1 Incident, 3 Service Request, 4 Problem, 5 Change
//     Request (needs CAB approvers: creating one fails with
//     "CODE:APP03/2 Please select the CAB members to approve"),
//     21 Security Incident.
//   - Priority: priorityid 1 Critical, 2 High, 3 Medium, 4 Low; the id
//     member is a string.
//   - Team: 1 Service Desk, 2 2nd Line, 3 Network, 4 Security,
//     5 Legacy Support (inactive).
//   - Agent: 1 Unassigned, 3 API Integration (the login agent, see
//     /api/Agent/me), 4 Alice Smith, 5 Bob Jones, 6 Carol White,
//     7 Dave Brown, 8 Erin Former (disabled).
//   - Client: 1 Internal IT, 12 Contoso Ltd, 13 Fabrikam Inc,
//     14 Northwind (archived, inactive); Site: 1, 18, 19, 20; Users:
//     -1 General User, 10, 11, 12, 13 (inactive).
//   - FieldInfo: 140 CFImpact (values 1-3), 141 CFUrgency (values 1-3),
//     142 CFExternalReference (text).
//   - Outcome: 1 Email User, 7 Internal Note, 10 Resolved (moves to 8),
//     11 Close (moves to 9), 12 Put On Hold (moves to 28), 13 Private
//     Note.
//
// New tickets are numbered from 1001. AddAgent, AddUser, AddTeam and
// AddStatus extend the seed.
//
// Everything a Server does is loopback only: Listen refuses other
// addresses and webhooks are only delivered to loopback receivers.
//
// A Server is safe for concurrent use. Its request log redacts
// secrets (the Authorization header is never recorded; client secrets,
// passwords and tokens in bodies and queries become REDACTED).
package emulator
