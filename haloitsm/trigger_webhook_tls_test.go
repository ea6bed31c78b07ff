package haloitsm

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haloconnect/icon-haloitsm/emulator"
	"github.com/haloconnect/icon-haloitsm/icon/runtime"
	"github.com/haloconnect/icon-haloitsm/internal/syncbuf"
)

// testCert is a self-signed ECDSA certificate for 127.0.0.1, in PEM, and
// a pool that trusts it.
type testCert struct {
	certPEM, keyPEM string
	pool            *x509.CertPool
}

func newTestCert(t *testing.T) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "haloitsm webhook test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return testCert{
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
		pool:    pool,
	}
}

// httpsClient trusts only pool and speaks TLS up to maxVersion (0: any).
func httpsClient(pool *x509.CertPool, maxVersion uint16) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10,
			MaxVersion: maxVersion},
	}}
}

// postWith posts body to url with Basic credentials through client.
func postWith(ctx context.Context, client *http.Client, url, user, pass,
	body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(user, pass)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func TestWebhookTLSInput(t *testing.T) {
	t.Parallel()
	a, b := newTestCert(t), newTestCert(t)
	rsaStyle := strings.Replace(a.keyPEM, "PRIVATE KEY", "RSA PRIVATE KEY", 2)
	tests := []struct {
		name       string
		cert, key  string
		field      string // "" when valid
		wantInText string
	}{
		{name: "neither"},
		{name: "both", cert: a.certPEM, key: a.keyPEM},
		{name: "both with surrounding space", cert: "\n " + a.certPEM + "\n", key: " " + a.keyPEM},
		{name: "chain of two", cert: a.certPEM + b.certPEM, key: a.keyPEM},
		{name: "EC parameters before the key", cert: a.certPEM,
			key: "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
				a.keyPEM},
		{name: "certificate only", cert: a.certPEM, field: "webhook_tls_key",
			wantInText: "give the private key"},
		{name: "key only", key: a.keyPEM, field: "webhook_tls_certificate",
			wantInText: "give the certificate"},
		{name: "certificate not PEM", cert: "MIIBcert", key: a.keyPEM,
			field: "webhook_tls_certificate", wantInText: "not a PEM encoded certificate"},
		{name: "key in the certificate field", cert: a.keyPEM, key: a.keyPEM,
			field: "webhook_tls_certificate", wantInText: `holds a "PRIVATE KEY" PEM block`},
		{name: "certificate garbled", cert: strings.Replace(a.certPEM, "MII", "MIX", 1),
			key: a.keyPEM, field: "webhook_tls_certificate"},
		{name: "key not PEM", cert: a.certPEM, key: "s3cr3t-not-a-key",
			field: "webhook_tls_key", wantInText: "not a PEM encoded private key"},
		{name: "key under another label", cert: a.certPEM, key: rsaStyle},
		{name: "key garbled", cert: a.certPEM, key: strings.Replace(a.keyPEM, "MI", "XI", 1),
			field: "webhook_tls_key", wantInText: "not a PEM encoded private key"},
		{name: "key of another certificate", cert: a.certPEM, key: b.keyPEM,
			field: "webhook_tls_key", wantInText: "does not belong to the certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := readTriggerInput(&runtime.Request{Input: map[string]any{
				"source": "webhook", "webhook_tls_certificate": tt.cert,
				"webhook_tls_key": tt.key,
			}})
			if tt.field == "" {
				switch {
				case err != nil:
					t.Fatalf("error %v, want none", err)
				case (tt.cert == "") != (in.webhookTLS == nil):
					t.Fatalf("TLS configuration %v for certificate %q", in.webhookTLS, tt.cert)
				case in.webhookTLS != nil && in.webhookTLS.MinVersion != tls.VersionTLS12:
					t.Errorf("MinVersion = %x, want TLS 1.2", in.webhookTLS.MinVersion)
				}
				return
			}
			var ie *inputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("error %v, want an input error naming %s", err, tt.field)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.field) || !strings.Contains(msg, tt.wantInText) {
				t.Errorf("message %q, want it to name %s and say %q", msg, tt.field,
					tt.wantInText)
			}
			for _, leak := range []string{"s3cr3t", keyBody(a.keyPEM), keyBody(b.keyPEM)} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q quotes the key", msg)
				}
			}
		})
	}
	// A polling trigger ignores the webhook fields.
	if _, err := readTriggerInput(&runtime.Request{Input: map[string]any{
		"webhook_tls_certificate": "not PEM"}}); err != nil {
		t.Errorf("polling with a bad webhook certificate: %v, want no error", err)
	}
}

// keyBody is the first base64 line of a PEM key.
func keyBody(keyPEM string) string {
	return strings.Split(keyPEM, "\n")[1]
}

// serveReceiver serves wr on a loopback port until the test ends and
// returns its address.
func serveReceiver(t *testing.T, wr *webhookReceiver, log *slog.Logger) string {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveWebhooks(ctx, ln, wr, log) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveWebhooks: %v", err)
		}
	})
	return ln.Addr().String()
}

func TestWebhookReceiverServesHTTPS(t *testing.T) {
	t.Parallel()
	tc := newTestCert(t)
	cfg, err := webhookTLS(tc.certPEM, tc.keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	wr := newWebhookReceiver(webhookConfig{Username: "halo", Password: "pw", TLS: cfg}, log)
	addr := serveReceiver(t, wr, log)
	ctx := t.Context()

	code, err := postWith(ctx, httpsClient(tc.pool, 0), "https://"+addr+"/", "halo", "pw",
		event("a", 1))
	if err != nil || code != http.StatusOK {
		t.Fatalf("HTTPS POST = %d, %v; want 200", code, err)
	}
	if wr.pending() != 1 {
		t.Errorf("%d events queued, want 1", wr.pending())
	}
	if code, err := postWith(ctx, httpsClient(tc.pool, 0), "https://"+addr+"/", "halo", "no",
		event("b", 2)); err != nil || code != http.StatusUnauthorized {
		t.Errorf("HTTPS POST with a wrong password = %d, %v; want 401", code, err)
	}

	// Plain HTTP gets no answer that accepts the event, and a client
	// that does not trust the certificate, or offers only TLS 1.1,
	// cannot connect.
	code, err = postWith(ctx, &http.Client{Timeout: 5 * time.Second}, "http://"+addr+"/",
		"halo", "pw", event("c", 3))
	if err == nil && code == http.StatusOK {
		t.Errorf("plain HTTP POST was accepted")
	}
	if _, err := postWith(ctx, httpsClient(x509.NewCertPool(), 0), "https://"+addr+"/",
		"halo", "pw", event("d", 4)); err == nil {
		t.Errorf("a client not trusting the certificate connected")
	}
	if _, err := postWith(ctx, httpsClient(tc.pool, tls.VersionTLS11), "https://"+addr+"/",
		"halo", "pw", event("e", 5)); err == nil {
		t.Errorf("a TLS 1.1 client connected")
	}
	if wr.pending() != 1 {
		t.Errorf("%d events queued, want still 1", wr.pending())
	}
	if strings.Contains(logs.String(), "clear text") {
		t.Errorf("the clear-text warning was logged with TLS:\n%s", logs.String())
	}
}

func TestWebhookBasicAuthWithoutTLSWarns(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		user string
		want bool
	}{{"basic auth", "halo", true}, {"no auth", "", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs syncbuf.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			wr := newWebhookReceiver(webhookConfig{Username: tt.user, Password: "pw"}, log)
			addr := serveReceiver(t, wr, log)
			// The warning is logged before the server serves.
			if code, _ := post(t, "http://"+addr+"/", tt.user, "pw", event("a", 1)); code != 200 {
				t.Fatalf("plain POST = %d, want 200", code)
			}
			got := strings.Contains(logs.String(),
				"level=WARN msg=\"webhook Basic credentials travel in clear text")
			if got != tt.want {
				t.Errorf("clear-text warning logged = %v, want %v:\n%s", got, tt.want,
					logs.String())
			}
		})
	}
}

// TestWebhookTriggerOverHTTPS runs the created trigger with the webhook
// source and a certificate: the event posted over HTTPS is reported.
func TestWebhookTriggerOverHTTPS(t *testing.T) {
	t.Parallel()
	srv, c := emulatorConn(t, emulator.Config{})
	id := srv.CreateTicket(map[string]any{"summary": "Phish"})
	tc := newTestCert(t)

	var lc net.ListenConfig
	probe, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	if err := probe.Close(); err != nil {
		t.Fatal(err)
	}

	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	sent := make(chan map[string]any, 10)
	send := func(_ context.Context, out any) error {
		sent <- out.(map[string]any)
		return nil
	}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runTrigger(ctx, &runtime.Request{Conn: c, Logger: log, Input: map[string]any{
			"source": "webhook", "webhook_host": "127.0.0.1", "webhook_port": port,
			"webhook_username": "halo", "webhook_password": "pw",
			"webhook_tls_certificate": tc.certPEM, "webhook_tls_key": tc.keyPEM,
		}}, send, triggerCreated, triggerOptions{Ready: func(a string) { ready <- a }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("trigger returned %v, want nil", err)
		}
	}()

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("trigger returned %v before listening", err)
	case <-time.After(10 * time.Second):
		t.Fatal("trigger did not listen")
	}
	body := fmt.Sprintf(`{"id": "d1", "event": "new ticket logged", "object_id": %d}`, id)
	code, err := postWith(t.Context(), httpsClient(tc.pool, 0), "https://"+addr+"/", "halo", "pw",
		body)
	if err != nil || code != http.StatusOK {
		t.Fatalf("HTTPS POST = %d, %v; want 200", code, err)
	}
	select {
	case out := <-sent:
		ticket, _ := out["ticket"].(map[string]any)
		if ticket["id"] != id {
			t.Errorf("event output %v, want ticket %d", out, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no event reported; log:\n%s", logs.String())
	}
	if l := logs.String(); !strings.Contains(l, "tls=true") || strings.Contains(l, "clear text") {
		t.Errorf("log does not say the receiver uses TLS:\n%s", l)
	}
}
