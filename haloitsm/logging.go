package haloitsm

import (
	"context"

	"github.com/haloconnect/icon-haloitsm/halo"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
)

// Every record a step logs, its own and the halo client's, carries the
// runtime's request_id plus the step's id under a fixed key ("action" or
// "trigger"). The step's logger travels to the halo client in the
// context (halo.WithLogger), so concurrent steps sharing one cached
// connection in HTTP mode each log only their own HaloITSM calls.

// withActionLogs wraps every action so that it logs with the "action"
// key and hands its logger to the halo client.
func withActionLogs(actions map[string]runtime.ActionFunc) map[string]runtime.ActionFunc {
	out := make(map[string]runtime.ActionFunc, len(actions))
	for id, h := range actions {
		out[id] = func(ctx context.Context, r *runtime.Request) (any, error) {
			ctx, r = stepLogs(ctx, r, "action")
			return h(ctx, r)
		}
	}
	return out
}

// withTriggerLogs is withActionLogs for triggers, with the "trigger" key.
func withTriggerLogs(triggers map[string]runtime.TriggerFunc) map[string]runtime.TriggerFunc {
	out := make(map[string]runtime.TriggerFunc, len(triggers))
	for id, h := range triggers {
		out[id] = func(ctx context.Context, r *runtime.Request, send runtime.SendFunc) error {
			ctx, r = stepLogs(ctx, r, "trigger")
			return h(ctx, r, send)
		}
	}
	return out
}

// stepLogs returns a copy of r whose logger carries key=r.Name, and ctx
// carrying that logger for the halo client. r itself is not changed.
func stepLogs(ctx context.Context, r *runtime.Request, key string) (context.Context,
	*runtime.Request) {
	if r.Logger == nil {
		return ctx, r
	}
	cp := *r
	cp.Logger = r.Logger.With(key, r.Name)
	return halo.WithLogger(ctx, cp.Logger), &cp
}
