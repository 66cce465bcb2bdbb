// PostHog's and Segment's Node SDKs, unmodified, sending to the API at argv[2] with the
// ingest key argv[3]. Prints one JSON line per SDK once it has flushed.
import { PostHog } from 'posthog-node'
import { Analytics } from '@segment/analytics-node'

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
console.log(JSON.stringify({ sent: 6, failures }))
if (failures.length) process.exit(1)
