// Segment's, RudderStack's, PostHog's and Snowplow's Java SDKs, unmodified, sending to the
// API at args[0] with the ingest key args[1] (tests/e2e/test_sdk_jvm.py). Run with Java's
// single-file launcher: java -cp 'lib/*' Send.java <api> <key>. Prints one JSON line once
// every SDK has flushed and shut down, and exits 1 if any reported a failure.

import com.posthog.server.PostHog;
import com.posthog.server.PostHogConfig;
import com.posthog.server.PostHogInterface;
import com.rudderstack.sdk.java.analytics.RudderAnalytics;
import com.segment.analytics.Analytics;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.TrackMessage;
import com.snowplowanalytics.snowplow.tracker.Snowplow;
import com.snowplowanalytics.snowplow.tracker.Tracker;
import com.snowplowanalytics.snowplow.tracker.configuration.EmitterConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.NetworkConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.SubjectConfiguration;
import com.snowplowanalytics.snowplow.tracker.configuration.TrackerConfiguration;
import com.snowplowanalytics.snowplow.tracker.emitter.EmitterCallback;
import com.snowplowanalytics.snowplow.tracker.emitter.FailureType;
import com.snowplowanalytics.snowplow.tracker.events.PageView;
import com.snowplowanalytics.snowplow.tracker.events.SelfDescribing;
import com.snowplowanalytics.snowplow.tracker.events.Structured;
import com.snowplowanalytics.snowplow.tracker.payload.SelfDescribingJson;
import com.snowplowanalytics.snowplow.tracker.payload.TrackerPayload;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

public class Send {
    static final List<String> failures = new CopyOnWriteArrayList<>();

    public static void main(String[] args) {
        String host = args[0];
        String key = args[1];
        PostHogInterface posthog = posthog(host, key);
        segment(host, key);
        rudderstack(host, key);
        snowplow(host, key);
        // PostHog's SDK captures and sends from a background queue, and close() drops what
        // is still queued (seen: the events of a flush() right before close() were never
        // sent, and an event queued while a send was under way waited for the next tick of
        // the flush timer); it sends each event as it comes (flushAt 1), its timer ticks
        // every second, and it is closed once the others are done and 3 s have passed
        try {
            Thread.sleep(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        posthog.close();
        System.out.println("{\"sent\": 12, \"failures\": " + quoted(failures) + "}");
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Batches to /v1/import/ (the SDK's default upload URL), the key as Basic user name. */
    static void segment(String host, String key) {
        Analytics analytics = Analytics.builder(key).endpoint(host)
            .callback(new com.segment.analytics.Callback() {
                public void success(Message message) {}
                public void failure(Message message, Throwable error) {
                    failures.add("segment: " + error);
                }
            }).build();
        analytics.enqueue(PageMessage.builder("Pricing").anonymousId("jvm-anon-1")
            .properties(Map.of("path", "/pricing")));
        analytics.enqueue(IdentifyMessage.builder().userId("jvm-jo").anonymousId("jvm-anon-1")
            .traits(Map.of("plan", "pro")));
        analytics.enqueue(TrackMessage.builder("Order Completed").userId("jvm-jo")
            .properties(Map.of("order_id", "jvm-o-1",
                "products", List.of(Map.of("product_id", "p-8", "price", 15, "quantity", 2)))));
        analytics.flush();
        analytics.shutdown();
    }

    /** Segment's protocol to /v1/batch, gzipped. */
    static void rudderstack(String host, String key) {
        RudderAnalytics analytics = RudderAnalytics.builder(key).setDataPlaneUrl(host)
            .callback(new com.rudderstack.sdk.java.analytics.Callback() {
                public void success(com.rudderstack.sdk.java.analytics.messages.Message m) {}
                public void failure(com.rudderstack.sdk.java.analytics.messages.Message m,
                                    Throwable error) {
                    failures.add("rudderstack: " + error);
                }
            }).build();
        analytics.enqueue(com.rudderstack.sdk.java.analytics.messages.PageMessage
            .builder("Docs").anonymousId("jvm-anon-2").properties(Map.of("path", "/docs")));
        analytics.enqueue(com.rudderstack.sdk.java.analytics.messages.IdentifyMessage
            .builder().userId("jvm-kai").anonymousId("jvm-anon-2").traits(Map.of("plan", "team")));
        analytics.enqueue(com.rudderstack.sdk.java.analytics.messages.TrackMessage
            .builder("Docs Searched").userId("jvm-kai").properties(Map.of("query", "funnels")));
        analytics.flush();
        analytics.shutdown();
    }

    /** PostHog's capture API to /batch. The SDK reports no failed send to its caller. */
    static PostHogInterface posthog(String host, String key) {
        PostHogConfig config = PostHogConfig.builder(key).host(host)
            .flushAt(1).flushIntervalSeconds(1).build();
        PostHogInterface posthog = PostHog.Companion.with(config);
        posthog.capture("jvm-lee", "Report Exported",
            com.posthog.server.PostHogCaptureOptions.builder()
                .properties(Map.of("format", "csv")).build());
        posthog.identify("jvm-lee", Map.of("plan", "team"));
        posthog.alias("jvm-lee", "jvm-anon-3");
        posthog.flush();
        return posthog;
    }

    /** Snowplow's tracker protocol, POST to <collector>/com.snowplowanalytics.snowplow/tp2. */
    static void snowplow(String host, String key) {
        EmitterCallback callback = new EmitterCallback() {
            public void onSuccess(List<TrackerPayload> payloads) {}
            public void onFailure(FailureType type, boolean willRetry,
                                  List<TrackerPayload> payloads) {
                failures.add("snowplow: " + type);
            }
        };
        Tracker tracker = Snowplow.createTracker(
            new TrackerConfiguration("jvm", "shop"),
            new NetworkConfiguration(host + "/snowplow/" + key),
            new EmitterConfiguration().batchSize(1).callback(callback),
            new SubjectConfiguration().userId("jvm-max"));
        tracker.track(PageView.builder().pageUrl("https://shop.example/gifts")
            .pageTitle("Gifts").build());
        tracker.track(Structured.builder().category("shop").action("wishlist_added")
            .label("p-9").build());
        tracker.track(SelfDescribing.builder().eventData(new SelfDescribingJson(
            "iglu:com.acme/invite_sent/jsonschema/1-0-0", Map.of("role", "editor"))).build());
        tracker.close();
    }

    static String quoted(List<String> items) {
        StringBuilder json = new StringBuilder("[");
        for (String item : items) {
            if (json.length() > 1) json.append(", ");
            json.append('"').append(item.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return json.append(']').toString();
    }
}
