package halo

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIDUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    ID
		wantErr bool
	}{
		{"integer", `3`, 3, false},
		{"float with zero fraction", `3.0`, 3, false},
		{"numeric string", `"3"`, 3, false},
		{"string with spaces", `" 42 "`, 42, false},
		{"float string", `"7.0"`, 7, false},
		{"empty string", `""`, 0, false},
		{"null", `null`, 0, false},
		{"negative", `-1`, -1, false},
		{"fraction", `3.5`, 0, true},
		{"uuid", `"5f1c0d9e-0000-4000-8000-000000000000"`, 0, true},
		{"bool", `true`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got ID
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Unmarshal(%s) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestTimeUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		want     time.Time
		wantZero bool
		wantErr  bool
	}{
		{"zone-less is UTC", `"2025-01-10T09:30:00"`,
			time.Date(2025, 1, 10, 9, 30, 0, 0, time.UTC), false, false},
		{"seven fractional digits", `"2026-09-25T06:41:08.7895915Z"`,
			time.Date(2026, 9, 25, 6, 41, 8, 789591500, time.UTC), false, false},
		{"offset converted to UTC", `"2025-01-10T10:30:00+01:00"`,
			time.Date(2025, 1, 10, 9, 30, 0, 0, time.UTC), false, false},
		{"date only", `"2025-01-10"`, time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC), false, false},
		{"1900 sentinel", `"1900-01-01T00:00:00"`, time.Time{}, true, false},
		{"1899 sentinel", `"1899-12-30T00:00:00"`, time.Time{}, true, false},
		{"empty", `""`, time.Time{}, true, false},
		{"null", `null`, time.Time{}, true, false},
		{"garbage", `"yesterday"`, time.Time{}, true, true},
		{"number", `12`, time.Time{}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got Time
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got.IsZero() != tt.wantZero {
				t.Errorf("IsZero = %v, want %v", got.IsZero(), tt.wantZero)
			}
			if !got.Equal(tt.want) || (!tt.wantZero && got.Location() != time.UTC) {
				t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, got.Time, tt.want)
			}
		})
	}
}

func TestTimeMarshal(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(struct {
		A Time `json:"a"`
		B Time `json:"b,omitzero"`
		C Time `json:"c"`
	}{C: Time{time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}})
	if diff := cmp.Diff(`{"a":null,"c":"2025-01-02T03:04:05Z"}`, string(b)); diff != "" {
		t.Errorf("Marshal (-want +got):\n%s", diff)
	}
}

func TestTextUnmarshal(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Text{`"a"`: "a", `12`: "12", `1.5`: "1.5", `true`: "true",
		`null`: "", `"5f1c0d9e-aa"`: "5f1c0d9e-aa"} {
		var got Text
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("Unmarshal(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	var got Text
	if err := json.Unmarshal([]byte(`{"a":1}`), &got); err == nil {
		t.Errorf("Unmarshal(object) succeeded, want error")
	}
}

func TestDecodeList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		key       string
		wantRows  int
		wantCount int
		hasCount  bool
		wantErr   bool
	}{
		{"bare array", `[{"id":1},{"id":2}]`, "users", 2, 0, false, false},
		{"envelope", `{"record_count":3,"users":[{"id":1}]}`, "users", 1, 3, true, false},
		{"envelope count as string", `{"record_count":"3","users":[]}`, "users", 0, 3, true,
			false},
		{"envelope other case", `{"Record_Count":1,"Users":[{"id":1}]}`, "users", 1, 1, true,
			false},
		{"results envelope", `{"record_count":1,"results":[{"id":1}]}`, "agents", 1, 1, true,
			false},
		{"null rows", `{"record_count":0,"tickets":null}`, "tickets", 0, 0, true, false},
		{"not json", `<html>`, "tickets", 0, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := decodeList([]byte(tt.body), tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("decodeList error = %v, wantErr %v", err, tt.wantErr)
			}
			got := []any{len(p.rows), p.recordCount, p.hasCount}
			want := []any{tt.wantRows, tt.wantCount, tt.hasCount}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows, record_count, hasCount (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTicketKeepsUnknownProperties(t *testing.T) {
	t.Parallel()
	in := `{"id":"42","summary":"Phish","status_id":1.0,"team":"Security",` +
		`"dateoccurred":"2025-01-10T09:30:00","dateclosed":"1900-01-01T00:00:00",` +
		`"customfields":[{"id":5,"name":"CFImpact","value":2,"display":"High","colour":"red"}],` +
		`"rapid7_ticketrrn":"key-1","weird_new_field":{"a":[1,2]},"agent_id":"not-a-number"}`
	var tk Ticket
	if err := json.Unmarshal([]byte(in), &tk); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if tk.ID != 42 || tk.StatusID != 1 || tk.Summary != "Phish" || tk.Rapid7TicketRRN != "key-1" {
		t.Errorf("known fields = %+v", tk)
	}
	if !tk.DateClosed.IsZero() || tk.DateOccurred.IsZero() {
		t.Errorf("dates: closed %v occurred %v", tk.DateClosed, tk.DateOccurred)
	}
	if len(tk.CustomFields) != 1 || tk.CustomFields[0].Display != "High" ||
		string(tk.CustomFields[0].Value) != "2" {
		t.Errorf("customfields = %+v", tk.CustomFields)
	}
	// An unknown property and a value that does not fit its field are
	// both kept.
	wantExtra := []string{"agent_id", "weird_new_field"}
	var gotExtra []string
	for k := range tk.Extra {
		gotExtra = append(gotExtra, k)
	}
	if diff := cmp.Diff(wantExtra, gotExtra, cmpSorted); diff != "" {
		t.Errorf("Extra keys (-want +got):\n%s", diff)
	}

	out, err := json.Marshal(tk)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-decode: %v", err)
	}
	for _, k := range []string{"weird_new_field", "agent_id", "customfields", "team"} {
		if _, ok := back[k]; !ok {
			t.Errorf("round trip lost %q: %s", k, out)
		}
	}
	cf := back["customfields"].([]any)[0].(map[string]any)
	if cf["colour"] != "red" {
		t.Errorf("custom field lost an unknown property: %v", cf)
	}
}

func TestPriorityKeepsStringID(t *testing.T) {
	t.Parallel()
	var ps []Priority
	in := `[{"id":"0f5a…uuid","priorityid":3,"name":"High"},{"id":4,"priorityid":"4","name":"Low"}]`
	if err := json.Unmarshal([]byte(in), &ps); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	got := []any{ps[0].ID, ps[0].PriorityID, ps[1].ID, ps[1].PriorityID}
	want := []any{Text("0f5a…uuid"), ID(3), Text("4"), ID(4)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func TestDecodeOne(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"id":7}`, `[{"id":7}]`, `[{"id":7},{"id":8}]`} {
		var tk Ticket
		if err := decodeOne([]byte(in), &tk); err != nil || tk.ID != 7 {
			t.Errorf("decodeOne(%s) = %d, %v; want 7", in, tk.ID, err)
		}
	}
	var tk Ticket
	if err := decodeOne([]byte(`[]`), &tk); err == nil {
		t.Errorf("decodeOne([]) succeeded, want error")
	}
}
