// time_util: formats, parses and subtracts timestamps, with Go's time package and its
// embedded zone database (the guest has no /usr/share/zoneinfo).
package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata"

	plugin "wasmcrew.dev/plugin"
)

// Layouts by name; any other layout is taken as a Go reference-time layout.
var layouts = map[string]string{
	"RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano, "RFC1123": time.RFC1123,
	"RFC1123Z": time.RFC1123Z, "RFC822": time.RFC822, "Kitchen": time.Kitchen,
	"DateTime": time.DateTime, "DateOnly": time.DateOnly, "TimeOnly": time.TimeOnly,
}

type timeUtil struct{}

const timestamp = `{"type":["string","number"],"description":"RFC 3339 text, or Unix seconds."}`

func (timeUtil) Tools() []plugin.ToolSpec {
	return []plugin.ToolSpec{
		{
			Name:        "time_format",
			Description: "Formats a timestamp in a layout (a name such as RFC1123 or DateOnly, or a Go layout like 2006-01-02 15:04) and a time zone (IANA name, default UTC).",
			Parameters: `{"type":"object","properties":{"timestamp":` + timestamp + `,` +
				`"layout":{"type":"string","default":"RFC3339"},"zone":{"type":"string","default":"UTC"}},` +
				`"required":["timestamp"],"additionalProperties":false}`,
		},
		{
			Name:        "time_parse",
			Description: "Parses text in a layout (default RFC3339) and zone (default UTC); returns RFC 3339 and Unix seconds.",
			Parameters: `{"type":"object","properties":{"text":{"type":"string"},` +
				`"layout":{"type":"string","default":"RFC3339"},"zone":{"type":"string","default":"UTC"}},` +
				`"required":["text"],"additionalProperties":false}`,
		},
		{
			Name:        "time_diff",
			Description: "Returns to - from, in seconds and as a duration like 26h3m0s.",
			Parameters: `{"type":"object","properties":{"from":` + timestamp + `,"to":` + timestamp + `},` +
				`"required":["from","to"],"additionalProperties":false}`,
		},
	}
}

type args struct {
	Timestamp json.RawMessage `json:"timestamp"`
	From      json.RawMessage `json:"from"`
	To        json.RawMessage `json:"to"`
	Text      string          `json:"text"`
	Layout    string          `json:"layout"`
	Zone      string          `json:"zone"`
}

type argError string

func (e argError) Error() string { return string(e) }

func layoutOf(name string) string {
	if name == "" {
		return time.RFC3339
	}
	if l, ok := layouts[name]; ok {
		return l
	}
	return name
}

func zoneOf(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, argError(fmt.Sprintf("unknown time zone %q", name))
	}
	return loc, nil
}

func instant(field string, raw json.RawMessage) (time.Time, error) {
	text := strings.TrimSpace(string(raw))
	if seconds, err := strconv.ParseFloat(text, 64); err == nil {
		whole := int64(seconds)
		return time.Unix(whole, int64((seconds-float64(whole))*1e9)).UTC(), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
		return time.Time{}, argError(fmt.Sprintf("%s: %q is not RFC 3339 (e.g. 2024-05-01T12:00:00Z)", field, s))
	}
	return time.Time{}, argError(fmt.Sprintf("%s: expected RFC 3339 text or Unix seconds", field))
}

func run(name string, a args) (any, error) {
	switch name {
	case "time_format":
		t, err := instant("timestamp", a.Timestamp)
		if err != nil {
			return nil, err
		}
		loc, err := zoneOf(a.Zone)
		if err != nil {
			return nil, err
		}
		return map[string]any{"text": t.In(loc).Format(layoutOf(a.Layout))}, nil
	case "time_parse":
		loc, err := zoneOf(a.Zone)
		if err != nil {
			return nil, err
		}
		t, err := time.ParseInLocation(layoutOf(a.Layout), a.Text, loc)
		if err != nil {
			return nil, argError(err.Error())
		}
		return map[string]any{"rfc3339": t.Format(time.RFC3339Nano), "unix": t.Unix()}, nil
	case "time_diff":
		from, err := instant("from", a.From)
		if err != nil {
			return nil, err
		}
		to, err := instant("to", a.To)
		if err != nil {
			return nil, err
		}
		d := to.Sub(from)
		return map[string]any{"seconds": d.Seconds(), "duration": d.String()}, nil
	}
	return nil, argError("no tool " + name)
}

func (timeUtil) Call(name, arguments string) (string, plugin.Status) {
	var a args
	if err := json.Unmarshal([]byte(arguments), &a); err != nil {
		return err.Error(), plugin.InvalidArgs
	}
	result, err := run(name, a)
	if err != nil {
		if _, ok := err.(argError); ok {
			return err.Error(), plugin.InvalidArgs
		}
		return err.Error(), plugin.Failed
	}
	out, _ := json.Marshal(result)
	return string(out), plugin.OK
}

func init() { plugin.Register(timeUtil{}) }

func main() {}
