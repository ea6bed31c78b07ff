package haloitsm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/halo"
)

func TestRateLimitWindowSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		window     int
		limit      int
		wantWindow time.Duration
		wantLimit  int
		wantErr    string // a substring; "" for none
	}{
		{"not set: Halo's five minutes", 0, 0, 5 * time.Minute, 0, ""},
		{"a compressed window for tests", 10, 300, 10 * time.Second, 300, ""},
		{"one second", 1, 5, time.Second, 5, ""},
		{"a day", 86400, 300, 24 * time.Hour, 300, ""},
		{"negative", -1, 300, 0, 0, "rate_limit_window_seconds: must be between 1 and 86400"},
		{"longer than a day", 86401, 300, 0, 0, "rate_limit_window_seconds: must be between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := Params{ClientID: "id", ClientSecret: SecretKey{halo.Secret("s")},
				AuthorizationServer: "https://example.haloitsm.com/auth",
				ResourceServer:      "https://example.haloitsm.com/api",
				RequestsPer5Minutes: tt.limit, RateLimitWindowSeconds: tt.window}
			cfg, err := p.haloConfig()
			if tt.wantErr != "" {
				var se *settingsError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a settings error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("haloConfig: %v", err)
			}
			if cfg.RateWindow != tt.wantWindow || cfg.RateLimit != tt.wantLimit {
				t.Errorf("RateLimit, RateWindow = %d, %v; want %d, %v", cfg.RateLimit,
					cfg.RateWindow, tt.wantLimit, tt.wantWindow)
			}
		})
	}
}
