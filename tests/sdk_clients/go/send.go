// Segment's, RudderStack's, PostHog's and Snowplow's Go SDKs, unmodified, sending to the
// API at os.Args[1] with the ingest key os.Args[2] (tests/e2e/test_sdk_go.py). Built by
// `make sdk-clients` into bin/send. Prints one JSON line once every SDK has flushed and
// closed, and exits 1 if any reported a failure.
package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sync"

	"github.com/posthog/posthog-go"
	rudder "github.com/rudderlabs/analytics-go/v4"
	segment "github.com/segmentio/analytics-go/v3"
	storagememory "github.com/snowplow/snowplow-golang-tracker/v3/pkg/storage/memory"
	snowplow "github.com/snowplow/snowplow-golang-tracker/v3/tracker"
)

// failures collects what the SDKs' callbacks report, from their sending goroutines.
type failures struct {
	mu    sync.Mutex
	items []string
}

func (f *failures) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, fmt.Sprintf(format, args...))
}

type segmentCallback struct{ f *failures }

func (c segmentCallback) Success(segment.Message) {}
func (c segmentCallback) Failure(m segment.Message, err error) {
	c.f.add("segment: %v", err)
}

type rudderCallback struct{ f *failures }

func (c rudderCallback) Success(rudder.Message) {}
func (c rudderCallback) Failure(m rudder.Message, err error) {
	c.f.add("rudderstack: %v", err)
}

type posthogCallback struct{ f *failures }

func (c posthogCallback) Success(posthog.APIMessage) {}
func (c posthogCallback) Failure(m posthog.APIMessage, err error) {
	c.f.add("posthog: %v", err)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: send <api url> <ingest key>")
		os.Exit(2)
	}
	api, key := os.Args[1], os.Args[2]
	f := &failures{}
	check(f, "segment", sendSegment(api, key, f))
	check(f, "rudderstack", sendRudderStack(api, key, f))
	check(f, "posthog", sendPostHog(api, key, f))
	check(f, "snowplow", sendSnowplow(api, key, f))
	out, _ := json.Marshal(map[string]any{"sent": 17, "failures": append([]string{}, f.items...)})
	fmt.Println(string(out))
	if len(f.items) > 0 {
		os.Exit(1)
	}
}

func check(f *failures, sdk string, err error) {
	if err != nil {
		f.add("%s: %v", sdk, err)
	}
}

// sendSegment batches to /v1/batch, the key as HTTP Basic user name; Close sends what is
// queued and waits for the answers.
func sendSegment(api, key string, f *failures) error {
	client, err := segment.NewWithConfig(key, segment.Config{
		Endpoint: api, Callback: segmentCallback{f},
	})
	if err != nil {
		return err
	}
	for _, message := range []segment.Message{
		segment.Page{AnonymousId: "go-anon-1", Name: "Pricing",
			Properties: segment.NewProperties().Set("path", "/pricing")},
		segment.Identify{UserId: "go-jo", AnonymousId: "go-anon-1",
			Traits: segment.NewTraits().Set("plan", "pro")},
		segment.Track{UserId: "go-jo", Event: "Order Completed",
			Properties: segment.NewProperties().Set("order_id", "go-o-1").Set("products",
				[]map[string]any{{"product_id": "p-8", "price": 15, "quantity": 2}})},
	} {
		if err := client.Enqueue(message); err != nil {
			return err
		}
	}
	return client.Close()
}

// sendRudderStack gzips its batches to /v1/batch, the key as HTTP Basic user name.
func sendRudderStack(api, key string, f *failures) error {
	client, err := rudder.NewWithConfig(key, rudder.Config{
		DataPlaneUrl: api, Callback: rudderCallback{f},
	})
	if err != nil {
		return err
	}
	for _, message := range []rudder.Message{
		rudder.Page{AnonymousId: "go-anon-2", Name: "Docs",
			Properties: rudder.NewProperties().Set("path", "/docs")},
		rudder.Identify{UserId: "go-kai", AnonymousId: "go-anon-2",
			Traits: rudder.NewTraits().Set("plan", "team")},
		rudder.Track{UserId: "go-kai", Event: "Docs Searched",
			Properties: rudder.NewProperties().Set("query", "funnels")},
		rudder.Screen{UserId: "go-kai", Name: "Settings"},
	} {
		if err := client.Enqueue(message); err != nil {
			return err
		}
	}
	return client.Close()
}

// sendPostHog batches to /batch/ with the key in the body; Close drains its queue.
func sendPostHog(api, key string, f *failures) error {
	client, err := posthog.NewWithConfig(key, posthog.Config{
		Endpoint: api, Callback: posthogCallback{f},
	})
	if err != nil {
		return err
	}
	for _, message := range []posthog.Message{
		posthog.Capture{DistinctId: "go-lee", Event: "Report Exported",
			Properties: posthog.NewProperties().Set("format", "csv")},
		posthog.Identify{DistinctId: "go-lee", Properties: posthog.NewProperties().Set("plan", "team")},
		posthog.Alias{DistinctId: "go-lee", Alias: "go-anon-3"},
	} {
		if err := client.Enqueue(message); err != nil {
			return err
		}
	}
	return client.Close()
}

// sendSnowplow posts the tracker protocol to <collector>/com.snowplowanalytics.snowplow/tp2;
// the collector URI is the API's host and path without the scheme, which is the protocol.
func sendSnowplow(api, key string, f *failures) error {
	base, err := url.Parse(api)
	if err != nil {
		return err
	}
	emitter := snowplow.InitEmitter(
		snowplow.RequireCollectorUri(base.Host+"/snowplow/"+key),
		snowplow.OptionProtocol(base.Scheme),
		snowplow.RequireStorage(*storagememory.Init()),
		snowplow.OptionCallback(func(_, failed []snowplow.CallbackResult) {
			for _, result := range failed {
				f.add("snowplow: %d events answered %d", result.Count, result.Status)
			}
		}),
	)
	subject := snowplow.InitSubject()
	subject.SetUserId("go-max")
	tracker := snowplow.InitTracker(
		snowplow.RequireEmitter(emitter),
		snowplow.OptionSubject(subject),
		snowplow.OptionNamespace("go"),
		snowplow.OptionAppId("shop"),
	)
	text := func(s string) *string { return &s }
	tracker.TrackPageView(snowplow.PageViewEvent{
		PageUrl: text("https://shop.example/gifts"), PageTitle: text("Gifts")})
	tracker.TrackStructEvent(snowplow.StructuredEvent{
		Category: text("shop"), Action: text("wishlist_added"), Label: text("p-9")})
	tracker.TrackSelfDescribingEvent(snowplow.SelfDescribingEvent{
		Event: snowplow.InitSelfDescribingJson("iglu:com.acme/invite_sent/jsonschema/1-0-0",
			map[string]any{"role": "editor"})})
	tracker.TrackScreenView(snowplow.ScreenViewEvent{Name: text("Settings")})
	milliseconds := int64(420)
	tracker.TrackTiming(snowplow.TimingEvent{
		Category: text("checkout"), Variable: text("render"), Timing: &milliseconds})
	total, price, quantity := 24.0, 12.0, int64(2)
	tracker.TrackEcommerceTransaction(snowplow.EcommerceTransactionEvent{
		OrderId: text("go-o-2"), TotalValue: &total, Currency: text("EUR"),
		Items: []snowplow.EcommerceTransactionItemEvent{
			{Sku: text("p-10"), Price: &price, Quantity: &quantity}}})
	if left := tracker.BlockingFlush(5, 100); left != 0 {
		return fmt.Errorf("%d events left unsent", left)
	}
	return nil
}
