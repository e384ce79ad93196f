// The fictional company behind the demo (Northwind): its segments, price book, products, customer
// success team, and the word lists that name customers and fill survey comments.

export type Segment = 'Enterprise' | 'Mid-Market' | 'SMB';

export interface SegmentProfile {
  /** Share of the accounts. */
  share: number;
  /** Platform ARR of a first contract, in dollars (log-uniform). */
  arr: readonly [number, number];
  /** List price per seat per year, in dollars. */
  seatPrice: readonly [number, number];
  /** Chance a new contract includes each add-on. */
  addOnChance: number;
  /** Chance a contract year ends in trouble (declining usage, then churn or contraction). */
  troubleChance: number;
  /** Share of troubled renewals that churn (the rest contract). */
  troubledChurnShare: number;
  /** Expansion opportunities per account-year. */
  oppsPerYear: number;
  winRate: number;
  /** Support tickets per account-week. */
  ticketsPerWeek: number;
  /** NPS respondents per survey wave. */
  respondents: readonly [number, number];
  /** Chance a new logo buys onboarding services, and their price range in dollars. */
  servicesChance: number;
  services: readonly [number, number];
  /** Indexes into CSMS of the team that owns the segment. */
  owners: readonly number[];
}

export const SEGMENTS: Record<Segment, SegmentProfile> = {
  Enterprise: {
    share: 0.15,
    arr: [60_000, 320_000],
    seatPrice: [360, 480],
    addOnChance: 0.55,
    troubleChance: 0.06,
    troubledChurnShare: 0.35,
    oppsPerYear: 1.5,
    winRate: 0.5,
    ticketsPerWeek: 0.45,
    respondents: [1, 3],
    servicesChance: 0.85,
    services: [15_000, 45_000],
    owners: [0, 1, 2],
  },
  'Mid-Market': {
    share: 0.35,
    arr: [15_000, 60_000],
    seatPrice: [480, 660],
    addOnChance: 0.3,
    troubleChance: 0.1,
    troubledChurnShare: 0.6,
    oppsPerYear: 0.8,
    winRate: 0.45,
    ticketsPerWeek: 0.2,
    respondents: [1, 2],
    servicesChance: 0.6,
    services: [5_000, 15_000],
    owners: [2, 3, 4, 5],
  },
  SMB: {
    share: 0.5,
    arr: [3_000, 15_000],
    seatPrice: [600, 900],
    addOnChance: 0.1,
    troubleChance: 0.13,
    troubledChurnShare: 0.7,
    oppsPerYear: 0.3,
    winRate: 0.4,
    ticketsPerWeek: 0.07,
    respondents: [1, 1],
    servicesChance: 0.3,
    services: [1_500, 3_000],
    owners: [5, 6, 7],
  },
};

export const SEGMENT_NAMES = Object.keys(SEGMENTS) as Segment[];

export const PLATFORM = 'Northwind Platform';

/** Seat-less add-ons, priced as a share of the platform ARR. */
export const ADD_ONS: readonly { product: string; share: readonly [number, number] }[] = [
  { product: 'Northwind Analytics', share: [0.15, 0.25] },
  { product: 'Northwind Automation', share: [0.12, 0.2] },
  { product: 'Premier Support', share: [0.08, 0.12] },
];

export const SERVICES_PRODUCTS = ['Onboarding', 'Implementation Services'] as const;

export const CSMS = [
  'maria.gonzalez',
  'james.oconnor',
  'priya.raman',
  'tom.becker',
  'aisha.khan',
  'lukas.novak',
  'emma.lindqvist',
  'daniel.kim',
].map((n) => `${n}@northwind.example`);

export type Region = 'NA' | 'EMEA' | 'APAC' | 'LATAM';

export const REGIONS: readonly (readonly [Region, number])[] = [
  ['NA', 0.5],
  ['EMEA', 0.3],
  ['APAC', 0.15],
  ['LATAM', 0.05],
];

export const LEGAL_SUFFIX: Record<Region, readonly string[]> = {
  NA: ['Inc.', 'LLC', 'Corp.', 'Co.'],
  EMEA: ['GmbH', 'Ltd', 'AG', 'B.V.', 'S.A.S.', 'AB'],
  APAC: ['Pty Ltd', 'K.K.', 'Pte. Ltd.', 'Ltd'],
  LATAM: ['S.A.', 'Ltda.', 'S.A. de C.V.'],
};

export const NAME_STEMS = [
  'Acme',
  'Alder',
  'Apex',
  'Aurora',
  'Beacon',
  'Birch',
  'Blue Harbor',
  'Brightline',
  'Cascade',
  'Cedar',
  'Cobalt',
  'Copper',
  'Crescent',
  'Crimson',
  'Delta',
  'Emerald',
  'Evergreen',
  'Falcon',
  'Fjord',
  'Glacier',
  'Granite',
  'Harbor',
  'Hawthorne',
  'Helix',
  'Horizon',
  'Iron Peak',
  'Ivory',
  'Juniper',
  'Keystone',
  'Lakeside',
  'Lattice',
  'Lumen',
  'Maple',
  'Meridian',
  'Mosaic',
  'Nimbus',
  'Northstar',
  'Oakridge',
  'Onyx',
  'Orbit',
  'Pacific',
  'Pinnacle',
  'Polar',
  'Prairie',
  'Quantum',
  'Redwood',
  'Riverbend',
  'Sable',
  'Saffron',
  'Sierra',
  'Silverline',
  'Summit',
  'Sunrise',
  'Tidewater',
  'Trident',
  'Vantage',
  'Vertex',
  'Willow',
  'Zenith',
  'Bluebird',
] as const;

export const NAME_TRADES = [
  'Logistics',
  'Health',
  'Robotics',
  'Foods',
  'Analytics',
  'Labs',
  'Systems',
  'Energy',
  'Media',
  'Financial',
  'Insurance',
  'Retail',
  'Manufacturing',
  'Pharma',
  'Software',
  'Telecom',
  'Travel',
  'Education',
  'Realty',
  'Biotech',
  'Security',
  'Mobility',
  'Networks',
  'Capital',
  'Apparel',
  'Games',
  'Marine',
  'Aerospace',
  'Dental',
  'Hospitality',
] as const;

/** For the occasional partnership name with a comma in it (exercises CSV quoting). */
export const SURNAMES = [
  'Baker',
  'Lowe',
  'Okafor',
  'Brandt',
  'Moreau',
  'Tanaka',
  'Silva',
  'Novak',
  'Reyes',
  'Hughes',
] as const;

export const NPS_COMMENTS = {
  promoter: [
    'Great product, our team uses it every day.',
    'Support is fast and genuinely helpful.',
    'The new dashboards save us hours every week.',
    'Easy to roll out to new teams.',
    'Love the "Automation" add-on.',
    'Best tool we bought this year.',
  ],
  passive: [
    'Good overall, but reporting could be faster.',
    'Solid tool; pricing is a bit high.',
    'Works fine. Onboarding took longer than expected.',
    'Missing a few integrations we need (Salesforce, Jira).',
    'Does the job.',
  ],
  detractor: [
    'Too many outages this quarter.',
    'We are not getting value for the price.',
    'Support tickets take days to get answered.',
    'Our users stopped logging in after the last redesign.',
    'Evaluating alternatives before the renewal.',
    'Reports are slow, and exports keep failing.',
  ],
} as const;
