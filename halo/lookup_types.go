package halo

import (
	"encoding/json"
	"fmt"
)

// Status is a ticket status (entity TStatus; /api/Status). Status ids are
// tenant-specific: resolve them by name.
type Status struct {
	ID        ID     `json:"id"`
	Name      string `json:"name,omitempty"`
	ShortName string `json:"shortname,omitempty"`
	// Type is the status kind (Halo uses numbers and names here).
	Type     Text   `json:"type,omitempty"`
	Sequence ID     `json:"sequence,omitempty"`
	Colour   string `json:"colour,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a status tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Status) UnmarshalJSON(b []byte) error {
	type plain Status
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode status: %w", err)
	}
	*v = Status(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Status) MarshalJSON() ([]byte, error) {
	type plain Status
	return mergeExtra(plain(v), v.Extra)
}

// TicketType is a ticket type (entity RequestType; /api/TicketType).
type TicketType struct {
	ID                ID     `json:"id"`
	Name              string `json:"name,omitempty"`
	Visible           bool   `json:"visible,omitempty"`
	EndUsersCanSelect bool   `json:"enduserscanselect,omitempty"`
	InitialStatus     ID     `json:"initial_status,omitempty"`
	DefaultTeam       Text   `json:"default_team,omitempty"`
	DefaultAgent      ID     `json:"default_agent,omitempty"`
	DefaultPriority   ID     `json:"default_priority,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a ticket type tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *TicketType) UnmarshalJSON(b []byte) error {
	type plain TicketType
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode ticket type: %w", err)
	}
	*v = TicketType(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v TicketType) MarshalJSON() ([]byte, error) {
	type plain TicketType
	return mergeExtra(plain(v), v.Extra)
}

// Priority is a priority of an SLA (entity Policy; /api/Priority).
type Priority struct {
	// ID is the id exactly as Halo sent it: a number, a numeric string
	// or a UUID depending on the version.
	ID Text `json:"id"`
	// PriorityID is the numeric id tickets refer to in priority_id.
	PriorityID   ID      `json:"priorityid,omitempty"`
	SLAID        ID      `json:"slaid,omitempty"`
	Name         string  `json:"name,omitempty"`
	FixTime      float64 `json:"fixtime,omitempty"`
	FixUnits     Text    `json:"fixunits,omitempty"`
	ResponseTime float64 `json:"responsetime,omitempty"`
	IsHidden     bool    `json:"ishidden,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a priority tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Priority) UnmarshalJSON(b []byte) error {
	type plain Priority
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode priority: %w", err)
	}
	*v = Priority(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Priority) MarshalJSON() ([]byte, error) {
	type plain Priority
	return mergeExtra(plain(v), v.Extra)
}

// Team is an agent team (entity SectionDetail; /api/Team). Tickets refer
// to teams by Name.
type Team struct {
	ID             ID     `json:"id"`
	Name           string `json:"name,omitempty"`
	Inactive       bool   `json:"inactive,omitempty"`
	DepartmentID   ID     `json:"department_id,omitempty"`
	DepartmentName string `json:"department_name,omitempty"`
	ForRequests    bool   `json:"forrequests,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a team tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Team) UnmarshalJSON(b []byte) error {
	type plain Team
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode team: %w", err)
	}
	*v = Team(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Team) MarshalJSON() ([]byte, error) {
	type plain Team
	return mergeExtra(plain(v), v.Extra)
}

// Agent is a Halo agent (entity Uname; /api/Agent). Deactivated agents are
// missing from Halo's agent list.
type Agent struct {
	ID         ID     `json:"id"`
	Name       string `json:"name,omitempty"`
	FirstName  string `json:"firstname,omitempty"`
	Surname    string `json:"surname,omitempty"`
	Email      string `json:"email,omitempty"`
	Initials   string `json:"initials,omitempty"`
	Team       string `json:"team,omitempty"`
	IsDisabled bool   `json:"isdisabled,omitempty"`
	IsAgent    bool   `json:"is_agent,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a agent tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Agent) UnmarshalJSON(b []byte) error {
	type plain Agent
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode agent: %w", err)
	}
	*v = Agent(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Agent) MarshalJSON() ([]byte, error) {
	type plain Agent
	return mergeExtra(plain(v), v.Extra)
}

// Category is a ticket category value (entity CategoryDetail;
// /api/Category).
type Category struct {
	ID           ID     `json:"id"`
	Value        string `json:"value,omitempty"`
	CategoryName string `json:"category_name,omitempty"`
	// TypeID says which of the four category lists (1–4) it belongs to.
	TypeID     ID `json:"type_id,omitempty"`
	SLAID      ID `json:"sla_id,omitempty"`
	PriorityID ID `json:"priority_id,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a category tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Category) UnmarshalJSON(b []byte) error {
	type plain Category
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode category: %w", err)
	}
	*v = Category(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Category) MarshalJSON() ([]byte, error) {
	type plain Category
	return mergeExtra(plain(v), v.Extra)
}

// User is an end user (entity Users; /api/Users).
type User struct {
	ID           ID     `json:"id"`
	Name         string `json:"name,omitempty"`
	EmailAddress string `json:"emailaddress,omitempty"`
	Login        string `json:"login,omitempty"`
	SiteID       ID     `json:"site_id,omitempty"`
	SiteName     string `json:"site_name,omitempty"`
	ClientID     ID     `json:"client_id,omitempty"`
	ClientName   string `json:"client_name,omitempty"`
	Inactive     bool   `json:"inactive,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a user tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *User) UnmarshalJSON(b []byte) error {
	type plain User
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode user: %w", err)
	}
	*v = User(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v User) MarshalJSON() ([]byte, error) {
	type plain User
	return mergeExtra(plain(v), v.Extra)
}

// Customer is what Halo calls a client: the customer organisation that
// tickets belong to (entity Area; /api/Client). The name avoids a clash
// with this package's Client.
type Customer struct {
	ID         ID     `json:"id"`
	Name       string `json:"name,omitempty"`
	Inactive   bool   `json:"inactive,omitempty"`
	TopLevelID ID     `json:"toplevel_id,omitempty"`
	IsVIP      bool   `json:"is_vip,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a client tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Customer) UnmarshalJSON(b []byte) error {
	type plain Customer
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode client: %w", err)
	}
	*v = Customer(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Customer) MarshalJSON() ([]byte, error) {
	type plain Customer
	return mergeExtra(plain(v), v.Extra)
}

// Site is a location of a customer (entity Site; /api/Site).
type Site struct {
	ID         ID     `json:"id"`
	Name       string `json:"name,omitempty"`
	ClientID   ID     `json:"client_id,omitempty"`
	ClientName string `json:"client_name,omitempty"`
	Inactive   bool   `json:"inactive,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a site tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Site) UnmarshalJSON(b []byte) error {
	type plain Site
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode site: %w", err)
	}
	*v = Site(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Site) MarshalJSON() ([]byte, error) {
	type plain Site
	return mergeExtra(plain(v), v.Extra)
}

// FieldInfo defines a custom field (/api/FieldInfo).
type FieldInfo struct {
	ID        ID     `json:"id"`
	Name      string `json:"name,omitempty"` // e.g. "CFImpact"
	Label     string `json:"label,omitempty"`
	Type      ID     `json:"type,omitempty"`
	InputType ID     `json:"inputtype,omitempty"`
	Usage     ID     `json:"usage,omitempty"`
	Lookup    ID     `json:"lookup,omitempty"`
	// Values are the choices of a list field, as Halo sent them.
	Values []json.RawMessage `json:"values,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a field info tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *FieldInfo) UnmarshalJSON(b []byte) error {
	type plain FieldInfo
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode field info: %w", err)
	}
	*v = FieldInfo(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v FieldInfo) MarshalJSON() ([]byte, error) {
	type plain FieldInfo
	return mergeExtra(plain(v), v.Extra)
}

// Outcome is an action type (entity TOutcome; /api/Outcome). Actions name
// one by Outcome or by ID; 7 is the built-in "Internal Note" on most
// tenants.
type Outcome struct {
	ID           ID     `json:"id"`
	Outcome      string `json:"outcome,omitempty"` // the action name
	ButtonName   string `json:"buttonname,omitempty"`
	NewStatus    ID     `json:"newstatus,omitempty"`
	HideFromUser bool   `json:"hidefromuser,omitempty"`
	SendEmail    bool   `json:"sendemail,omitempty"`
	SystemID     ID     `json:"systemid,omitempty"`
	DefaultTeam  Text   `json:"defaultteam,omitempty"`
	DefaultAgent ID     `json:"defaultagent,omitempty"`

	// Extra holds every other property as Halo sent it.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a outcome tolerantly: unknown properties, and
// values that do not fit a field's type, go to Extra.
func (v *Outcome) UnmarshalJSON(b []byte) error {
	type plain Outcome
	var p plain
	if err := decodeTolerant(b, &p, &p.Extra); err != nil {
		return fmt.Errorf("decode outcome: %w", err)
	}
	*v = Outcome(p)
	return nil
}

// MarshalJSON encodes the known fields and Extra.
func (v Outcome) MarshalJSON() ([]byte, error) {
	type plain Outcome
	return mergeExtra(plain(v), v.Extra)
}
