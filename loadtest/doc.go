// Package loadtest drives the HaloITSM plugin under load and under
// injected faults, against an in-process emulator, and reports what
// happened: success rate, latency percentiles, token requests, 429
// answers, retries, duplicate tickets and the plugin's peak memory.
//
// The plugin is driven as a separate process, the way the orchestrator
// runs it: either one long-lived "http" server that every simulated
// workflow posts start messages to, or one "run" process per workflow
// step. The emulator runs inside the harness on 127.0.0.1; nothing here
// talks to any other address.
//
// A workflow is a closed loop: it creates a ticket stamped with a unique
// marker, then runs the remaining steps of the action mix against that
// ticket, and starts over until the run's duration has passed. After the
// run the emulator's tickets are grouped by marker and by idempotency key
// to find duplicates.
//
// Run executes one scenario; Suite runs the scenarios whose bars the
// plugin must hold, and Result.Check says which bars were missed.
package loadtest
