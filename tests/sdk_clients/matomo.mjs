// Matomo's Node.js tracker (matomo-tracker), unmodified, sending to the API at argv[2]
// with the ingest key argv[3] in its tracker URL. Prints one JSON line: the bulk
// request's answer and any errors the tracker reported.
import MatomoTracker from 'matomo-tracker'

const [host, key] = process.argv.slice(2)
const errors = []
const visitor = '0123456789abcdef'
const matomo = new MatomoTracker(1, `${host}/matomo/${key}/matomo.php`)
matomo.on('error', (error) => errors.push(`${error}`))

const done = (request) => new Promise((resolve) => request(resolve))
matomo.track({
  url: 'https://shop.example/p/tee', action_name: 'Tee', _id: visitor,
  urlref: 'https://www.google.com/', lang: 'en-GB', dimension1: 'blue',
})
matomo.track({ url: 'https://shop.example/p/tee', _id: visitor, e_c: 'Video', e_a: 'Play', e_v: 12 })
const bulk = await done((resolve) => matomo.trackBulk([
  { url: 'https://shop.example/search', _id: visitor, search: 'mugs', search_count: 4 },
  { url: 'https://shop.example/checkout', _id: visitor, uid: 'mat-zoe', idgoal: 0,
    ec_id: 'mat-o-1', revenue: 30.5,
    ec_items: JSON.stringify([['SKU1', 'Tee', 'Tops', 12.5, 2], ['SKU2', 'Mug', '', 5.5, 1]]) },
  { url: 'https://shop.example/thanks', _id: visitor, uid: 'mat-zoe', idgoal: 2, revenue: 5 },
  { url: 'https://shop.example/thanks', _id: visitor, ping: 1 },
], resolve))
// track() takes no callback: its requests end before the process does
process.on('beforeExit', () => console.log(JSON.stringify({ bulk, errors })))
