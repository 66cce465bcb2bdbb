// Amplitude's Node SDK, unmodified, sending to the API's HTTP V2 door at argv[2] with the
// ingest key argv[3] (tests/integration/test_sdk_amplitude.py). Prints one JSON line with
// each call's answer code once all are flushed, and exits 1 if any was not a 200.
import { Identify, Revenue, createInstance } from '@amplitude/analytics-node'

const [host, key] = process.argv.slice(2)
const amplitude = createInstance()
await amplitude.init(key, { serverUrl: `${host}/2/httpapi`, flushIntervalMillis: 100 }).promise

const calls = [
  amplitude.track('[Amplitude] Page Viewed', { '[Amplitude] Page Path': '/docs' },
    { device_id: 'node-dev', platform: 'Web' }),
  amplitude.identify(new Identify().set('plan', 'team').setOnce('source', 'ad'),
    { user_id: 'node-cat', device_id: 'node-dev' }),
  amplitude.revenue(new Revenue().setProductId('p-2').setPrice(9.5).setQuantity(2),
    { user_id: 'node-cat', device_id: 'node-dev' }),
]
await amplitude.flush().promise
const results = await Promise.all(calls.map((call) => call.promise))
const codes = results.map((result) => [result.event.event_type, result.code, result.message])
console.log(JSON.stringify({ codes }))
if (results.some((result) => result.code !== 200)) process.exit(1)
