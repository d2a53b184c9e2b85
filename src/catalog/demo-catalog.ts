/**
 * The demo catalog loaded on first start: a few hundred products across home
 * improvement, garden, kitchen, sports and electronics, with brands, category paths,
 * prices, descriptions, attributes and some Chinese-language products. Generated from a
 * fixed seed, so every install gets the same catalog.
 */
import { seededRandom } from '../ml/seeded-random.ts';
import type { ProductInput } from './product.ts';

interface ProductLine {
  category: string[];
  brands: string[];
  nouns: string[];
  variants: string[];
  features: string[];
  price: [number, number];
  attributes: Record<string, string[]>;
}

const LINES: ProductLine[] = [
  {
    category: ['Tools', 'Power Tools', 'Drills'],
    brands: ['DeWalt', 'Makita', 'Bosch', 'Milwaukee', 'Ryobi'],
    nouns: ['Cordless Drill', 'Hammer Drill', 'Drill Driver', 'Right Angle Drill'],
    variants: ['18V', '20V MAX', '12V Compact', 'Brushless 18V'],
    features: ['two batteries included', 'LED work light', '2-speed gearbox', 'keyless 1/2 in. chuck'],
    price: [59, 329],
    attributes: { voltage: ['12V', '18V', '20V'], color: ['yellow', 'blue', 'red', 'green'] },
  },
  {
    category: ['Tools', 'Power Tools', 'Saws'],
    brands: ['DeWalt', 'Makita', 'Bosch', 'Skil', 'Ryobi'],
    nouns: ['Circular Saw', 'Jigsaw', 'Reciprocating Saw', 'Miter Saw', 'Table Saw'],
    variants: ['7-1/4 in.', '15 Amp', 'Cordless 18V', '10 in. Sliding'],
    features: ['laser guide', 'electric brake', 'dust blower', 'bevel capacity to 56 degrees'],
    price: [49, 649],
    attributes: { power_source: ['corded', 'cordless'], color: ['yellow', 'blue', 'teal'] },
  },
  {
    category: ['Tools', 'Hand Tools', 'Wrenches'],
    brands: ['Craftsman', 'Stanley', 'Husky', 'Klein Tools'],
    nouns: ['Adjustable Wrench', 'Combination Wrench Set', 'Pipe Wrench', 'Socket Set'],
    variants: ['8 in.', '10 in.', '20-Piece SAE', '32-Piece Metric'],
    features: ['chrome vanadium steel', 'lifetime warranty', 'cushion grip', 'laser-etched markings'],
    price: [9, 129],
    attributes: { material: ['chrome vanadium', 'alloy steel'], finish: ['polished chrome', 'black oxide'] },
  },
  {
    category: ['Garden', 'Outdoor Power', 'Lawn Mowers'],
    brands: ['Honda', 'Toro', 'EGO', 'Greenworks', 'Husqvarna'],
    nouns: ['Self-Propelled Lawn Mower', 'Push Lawn Mower', 'Cordless Lawn Mower', 'Riding Lawn Mower'],
    variants: ['21 in.', '56V 20 in.', 'Gas 160cc', '42 in. 19 HP'],
    features: [
      'mulch, bag and side discharge',
      'electric start',
      'height adjustment in 7 positions',
      'folds for storage',
    ],
    price: [199, 2499],
    attributes: { fuel: ['gas', 'battery', 'electric'], deck_width: ['20 in.', '21 in.', '42 in.'] },
  },
  {
    category: ['Garden', 'Outdoor Power', 'Leaf Blowers'],
    brands: ['EGO', 'Greenworks', 'Echo', 'Stihl', 'Ryobi'],
    nouns: ['Leaf Blower', 'Backpack Blower', 'Blower Vacuum'],
    variants: ['Cordless 56V', 'Gas 25.4cc', '40V Jet', 'Electric 12 Amp'],
    features: ['variable speed trigger', 'turbo boost', 'low noise design', 'mulching blade'],
    price: [69, 499],
    attributes: { fuel: ['gas', 'battery', 'electric'] },
  },
  {
    category: ['Garden', 'Watering', 'Hoses'],
    brands: ['Flexzilla', 'Gilmour', 'Orbit', 'Melnor'],
    nouns: ['Garden Hose', 'Expandable Hose', 'Soaker Hose', 'Hose Reel Cart'],
    variants: ['5/8 in. x 50 ft.', '5/8 in. x 100 ft.', '3/4 in. x 75 ft.', 'Heavy Duty'],
    features: ['kink resistant', 'drinking water safe', 'crush-proof couplings', 'UV resistant cover'],
    price: [19, 149],
    attributes: { length: ['50 ft.', '75 ft.', '100 ft.'], color: ['green', 'blue', 'black'] },
  },
  {
    category: ['Home', 'Kitchen', 'Cookware'],
    brands: ['Lodge', 'All-Clad', 'T-fal', 'Calphalon', 'Le Creuset'],
    nouns: [
      'Cast Iron Skillet',
      'Nonstick Frying Pan',
      'Dutch Oven',
      'Stainless Steel Saucepan',
      'Cookware Set',
    ],
    variants: ['10 in.', '12 in.', '5.5 qt.', '10-Piece'],
    features: ['oven safe to 500 F', 'induction compatible', 'pre-seasoned', 'dishwasher safe'],
    price: [19, 449],
    attributes: { material: ['cast iron', 'stainless steel', 'aluminum', 'enameled cast iron'] },
  },
  {
    category: ['Home', 'Kitchen', 'Small Appliances'],
    brands: ['KitchenAid', 'Cuisinart', 'Breville', 'Ninja', 'Instant Pot'],
    nouns: ['Stand Mixer', 'Blender', 'Coffee Maker', 'Air Fryer', 'Pressure Cooker', 'Toaster Oven'],
    variants: ['5 qt.', '1200W', '12-Cup', '6 qt. 7-in-1', 'Pro'],
    features: ['programmable timer', 'stainless steel finish', 'keep warm setting', 'dishwasher-safe parts'],
    price: [39, 599],
    attributes: { color: ['black', 'silver', 'red', 'white'], wattage: ['900W', '1200W', '1500W'] },
  },
  {
    category: ['Home', 'Lighting', 'Ceiling Lights'],
    brands: ['Hampton Bay', 'Progress Lighting', 'Lithonia', 'Philips'],
    nouns: [
      'LED Flush Mount Light',
      'Ceiling Fan with Light',
      'Chandelier',
      'Pendant Light',
      'Recessed Light Kit',
    ],
    variants: ['13 in.', '52 in.', '5-Light', '6 in. 4-Pack'],
    features: ['dimmable', 'energy star certified', 'remote control included', '3000K warm white'],
    price: [24, 399],
    attributes: { finish: ['brushed nickel', 'matte black', 'oil-rubbed bronze', 'white'] },
  },
  {
    category: ['Home', 'Bath', 'Faucets'],
    brands: ['Moen', 'Delta', 'Kohler', 'Pfister', 'American Standard'],
    nouns: ['Bathroom Faucet', 'Shower Head', 'Kitchen Faucet', 'Tub and Shower Trim Kit'],
    variants: ['Single Handle', '4 in. Centerset', 'Pull-Down', 'Rain 8 in.'],
    features: ['WaterSense labeled', 'spot resist finish', 'lifetime limited warranty', 'easy install'],
    price: [39, 389],
    attributes: { finish: ['chrome', 'brushed nickel', 'matte black', 'bronze'] },
  },
  {
    category: ['Sports', 'Footwear', 'Running Shoes'],
    brands: ['Nike', 'Adidas', 'Asics', 'Brooks', 'New Balance'],
    nouns: ["Men's Running Shoe", "Women's Running Shoe", 'Trail Running Shoe', 'Racing Flat'],
    variants: ['Pegasus', 'Ultraboost', 'Gel-Kayano', 'Ghost', 'Fresh Foam'],
    features: ['breathable mesh upper', 'responsive foam cushioning', 'rubber outsole', 'reflective details'],
    price: [59, 199],
    attributes: { size: ['8', '9', '10', '11'], color: ['black', 'white', 'blue', 'grey', 'red'] },
  },
  {
    category: ['Sports', 'Fitness', 'Weights'],
    brands: ['Bowflex', 'CAP Barbell', 'Rogue', 'Amazon Basics'],
    nouns: ['Adjustable Dumbbells', 'Kettlebell', 'Weight Plate Set', 'Olympic Barbell'],
    variants: ['5-52.5 lb.', '25 lb.', '35 lb.', '300 lb. Set'],
    features: ['quick weight change', 'powder coated', 'knurled grip', 'compact storage tray'],
    price: [29, 549],
    attributes: { material: ['cast iron', 'steel', 'vinyl'] },
  },
  {
    category: ['Electronics', 'Audio', 'Headphones'],
    brands: ['Sony', 'Bose', 'Sennheiser', 'JBL', 'Apple'],
    nouns: [
      'Wireless Headphones',
      'Noise Cancelling Headphones',
      'True Wireless Earbuds',
      'Studio Headphones',
    ],
    variants: ['Over-Ear', 'In-Ear', 'On-Ear', 'Pro'],
    features: ['active noise cancelling', '30-hour battery', 'bluetooth 5.3', 'built-in microphone'],
    price: [29, 449],
    attributes: { color: ['black', 'white', 'silver', 'blue'], connectivity: ['bluetooth', 'wired'] },
  },
  {
    category: ['Electronics', 'Smart Home', 'Security Cameras'],
    brands: ['Ring', 'Arlo', 'Google Nest', 'Wyze', 'Eufy'],
    nouns: ['Video Doorbell', 'Outdoor Security Camera', 'Indoor Camera', 'Floodlight Camera'],
    variants: ['1080p', '2K', '4K', 'Battery'],
    features: ['night vision', 'two-way talk', 'motion alerts', 'works with Alexa'],
    price: [29, 299],
    attributes: { resolution: ['1080p', '2K', '4K'], power: ['battery', 'wired', 'solar'] },
  },
];

interface ChineseProduct {
  title: string;
  description: string;
  brand: string;
  category: string[];
  price: number;
}

const CHINESE_PRODUCTS: ChineseProduct[] = [
  {
    title: '秋季新款运动鞋 男士透气跑步鞋',
    description: '轻便透气网面，缓震鞋底，适合日常跑步和健身。',
    brand: '李宁',
    category: ['Sports', 'Footwear', 'Running Shoes'],
    price: 399,
  },
  {
    title: '女子轻量跑步鞋 夏季运动鞋',
    description: '超轻鞋身，防滑耐磨橡胶大底。',
    brand: '安踏',
    category: ['Sports', 'Footwear', 'Running Shoes'],
    price: 299,
  },
  {
    title: '无线降噪蓝牙耳机',
    description: '主动降噪，续航30小时，支持快充。',
    brand: '华为',
    category: ['Electronics', 'Audio', 'Headphones'],
    price: 899,
  },
  {
    title: '真无线蓝牙耳机 入耳式',
    description: '低延迟游戏模式，IPX5防水。',
    brand: '小米',
    category: ['Electronics', 'Audio', 'Headphones'],
    price: 199,
  },
  {
    title: '不粘锅炒锅 家用燃气电磁炉通用',
    description: '麦饭石涂层，少油烟，32厘米大容量。',
    brand: '苏泊尔',
    category: ['Home', 'Kitchen', 'Cookware'],
    price: 159,
  },
  {
    title: '铸铁炖锅 珐琅锅',
    description: '受热均匀，保温性好，适合炖汤焖煮。',
    brand: '九阳',
    category: ['Home', 'Kitchen', 'Cookware'],
    price: 329,
  },
  {
    title: '智能电饭煲 4升',
    description: '多种烹饪模式，预约定时，24小时保温。',
    brand: '美的',
    category: ['Home', 'Kitchen', 'Small Appliances'],
    price: 459,
  },
  {
    title: '家用破壁料理机',
    description: '高速电机，一键清洗，可做豆浆果汁。',
    brand: '九阳',
    category: ['Home', 'Kitchen', 'Small Appliances'],
    price: 599,
  },
  {
    title: '锂电充电手电钻 家用电动螺丝刀',
    description: '双速调节，附赠两块电池和钻头套装。',
    brand: '博世',
    category: ['Tools', 'Power Tools', 'Drills'],
    price: 499,
  },
  {
    title: '家用智能摄像头 无线监控',
    description: '2K高清，夜视，双向语音，移动侦测提醒。',
    brand: '小米',
    category: ['Electronics', 'Smart Home', 'Security Cameras'],
    price: 249,
  },
  {
    title: '可调节哑铃 男士健身器材',
    description: '快速调节重量，防滑手柄。',
    brand: '迪卡侬',
    category: ['Sports', 'Fitness', 'Weights'],
    price: 699,
  },
  {
    title: 'LED吸顶灯 客厅卧室灯具',
    description: '三色调光，护眼无频闪，简约现代风格。',
    brand: '欧普',
    category: ['Home', 'Lighting', 'Ceiling Lights'],
    price: 269,
  },
];

const DEMO_SEED = 20261122;
const PRODUCTS_PER_LINE = 30;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function roundPrice(value: number): number {
  return Math.max(1, Math.round(value)) - 0.01;
}

export function generateDemoCatalog(): ProductInput[] {
  const random = seededRandom(DEMO_SEED);
  const products: ProductInput[] = [];
  const start = Date.UTC(2024, 0, 1);
  const span = Date.UTC(2026, 10, 1) - start;
  let sequence = 1;
  for (const line of LINES) {
    const seen = new Set<string>();
    for (let i = 0; i < PRODUCTS_PER_LINE; i++) {
      const brand = pick(random, line.brands);
      const noun = pick(random, line.nouns);
      const variant = pick(random, line.variants);
      const title = `${brand} ${variant} ${noun}`;
      if (seen.has(title)) continue;
      seen.add(title);
      const features = [...line.features].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 2));
      const attributes = Object.fromEntries(
        Object.entries(line.attributes).map(([k, values]) => [k, pick(random, values)]),
      );
      const [low, high] = line.price;
      const rating = Math.round((3 + random() * 2) * 10) / 10;
      products.push({
        id: `demo-${String(sequence++).padStart(4, '0')}`,
        title,
        description: `The ${brand} ${noun.toLowerCase()} (${variant}) with ${features.join(', ')}. A dependable choice for ${line.category[0]!.toLowerCase()} projects.`,
        brand,
        category: line.category,
        price: roundPrice(low + (high - low) * random() ** 1.5),
        currency: 'USD',
        in_stock: random() > 0.12,
        rating,
        review_count: Math.floor(random() ** 2 * 2500),
        popularity: Math.round(random() ** 3 * 1000),
        created_at: new Date(start + random() * span).toISOString(),
        attributes,
        image_url: `https://images.example.com/demo/${sequence - 1}.jpg`,
        language: 'en',
      });
    }
  }
  for (const p of CHINESE_PRODUCTS) {
    products.push({
      id: `demo-${String(sequence++).padStart(4, '0')}`,
      title: p.title,
      description: p.description,
      brand: p.brand,
      category: p.category,
      price: p.price,
      currency: 'CNY',
      in_stock: true,
      rating: Math.round((3.5 + random() * 1.5) * 10) / 10,
      review_count: Math.floor(random() * 5000),
      popularity: Math.round(random() * 800),
      created_at: new Date(start + random() * span).toISOString(),
      language: 'zh',
    });
  }
  return products;
}
