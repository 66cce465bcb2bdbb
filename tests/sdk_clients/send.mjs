// PostHog's, Segment's, RudderStack's and Snowplow's Node SDKs, unmodified, sending to the API at
// argv[2] with the ingest key argv[3]. Prints one JSON line once all have flushed, and
// exits 1 if any reported a failure.
import { PostHog } from 'posthog-node'
import { Analytics } from '@segment/analytics-node'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import {
  buildAddToCart, buildEcommerceTransaction, buildPageView, newTracker,
} from '@snowplow/node-tracker'

const [host, key] = process.argv.slice(2)
const failures = []

const posthog = new PostHog(key, { host, flushAt: 20, flushInterval: 0 })
posthog.on('error', (error) => failures.push(`posthog-node: ${error}`))
posthog.capture({ distinctId: 'node-dan', event: 'Report Exported', properties: { format: 'csv' } })
posthog.identify({ distinctId: 'node-dan', properties: { plan: 'team' } })
posthog.alias({ distinctId: 'node-dan', alias: 'node-anon-4' })
await posthog.shutdown()

const segment = new Analytics({ writeKey: key, host, maxEventsInBatch: 20 })
segment.on('error', (error) => failures.push(`segment: ${error.reason ?? error.code ?? error}`))
segment.page({ anonymousId: 'node-anon-5', name: 'Pricing', properties: { path: '/pricing' } })
segment.identify({ userId: 'node-erin', anonymousId: 'node-anon-5', traits: { plan: 'pro' } })
segment.track({
  userId: 'node-erin',
  event: 'Order Completed',
  properties: { order_id: 'node-o-1', products: [{ product_id: 'p-7', price: 30, quantity: 2 }] },
})
await segment.closeAndFlush({ timeout: 20000 })

// gzip bodies, identify's traits sent again as context.traits
const rudder = new RudderAnalytics(key, {
  dataPlaneUrl: host,
  flushAt: 20,
  flushInterval: 60000,
  errorHandler: (error) => failures.push(`rudderstack: ${error.response?.status ?? error.code ?? error}`),
})
rudder.page({ anonymousId: 'node-anon-6', name: 'Docs', properties: { path: '/docs' } })
rudder.identify({ userId: 'node-ines', anonymousId: 'node-anon-6', traits: { plan: 'team' } })
rudder.track({ userId: 'node-ines', event: 'Docs Searched', properties: { query: 'retention' } })
await rudder.flush()

const snowplow = newTracker({ namespace: 'node', appId: 'shop' }, {
  endpoint: `${host}/snowplow/${key}`,
  bufferSize: 1,
  onRequestFailure: (failure) => failures.push(`snowplow: ${failure.status} ${failure.message}`),
})
snowplow.setUserId('node-gus')
// one at a time, as a user's clicks come: each event's time is its request's receipt
// (Snowplow's derived timestamp), and the funnel needs each step strictly after the last
for (const event of [
  buildPageView({ pageUrl: 'https://shop.example/gifts', pageTitle: 'Gifts' }),
  buildAddToCart({ sku: 'p-9', unitPrice: 5, quantity: 2, currency: 'EUR' }),
  buildEcommerceTransaction({ orderId: 'node-o-2', total: 10, currency: 'EUR' }),
]) {
  snowplow.track(event)
  await snowplow.flush()
  await new Promise((resolve) => setTimeout(resolve, 20))
}
console.log(JSON.stringify({ sent: 12, failures }))
if (failures.length) process.exit(1)
