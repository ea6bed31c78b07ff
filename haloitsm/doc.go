// Package haloitsm is the HaloITSM plugin for Rapid7 InsightConnect: its
// connection, its actions, and the webhook normalisation its triggers
// share.
//
// Plugin returns the runtime.Plugin the binary runs. The connection
// (Connect, Connection) builds a halo.Client from the connection
// parameters of plugin.spec.yaml and keeps a per-connection cache of
// Halo's lookup lists (statuses, ticket types, priorities, teams, agents,
// categories, outcomes, custom field definitions) for five minutes, so
// that every input taking an id also takes a name, resolved without
// regard to case, and every output ticket carries names as well as ids.
//
// Errors reach the workflow through one mapping, failure, which turns
// bad input, unknown names (with suggestions), Halo's answers (404, 403,
// 400, 429, 5xx), token failures and writes of unknown outcome into
// runtime exceptions whose cause and assistance a workflow author can act
// on. Nothing secret is logged or returned.
//
// Trigger handlers live in this package's trigger files and register
// themselves with RegisterTrigger; NormaliseWebhook is the webhook
// normalisation they and the Parse Webhook action share.
package haloitsm
