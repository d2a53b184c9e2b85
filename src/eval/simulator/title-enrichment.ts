/**
 * Brand, category and price for catalogs that only have titles (the Home Depot data: id
 * and title), so simulated shoppers have something to like. Deterministic and pure: the
 * same titles always give the same records.
 *
 * - Brand: titles start with the brand ("BEHR Premium ...", "Simpson Strong-Tie ..."). The
 *   candidate is the title's leading capitalized words (at most three, stopping at a word
 *   that starts with a digit or lower case, or at "with", "in", "for", ...; "&" may join
 *   words: "Briggs & Stratton"). Across the catalog, a longer prefix is kept when more than
 *   half the titles starting with the shorter one continue that way ("Hampton" -> "Hampton
 *   Bay") or when it starts at least 40 titles itself (a product line such as "Milwaukee
 *   M18"); otherwise the shorter one is the brand ("Delta Vero ..." and "Delta Panache ..."
 *   -> "Delta"). A title starting with a measurement has no brand.
 * - Category: a keyword table of product types, each with a category path. The title's
 *   head (before " in Chrome", " with Remote", ...) without the brand is searched, and the
 *   keyword found furthest right wins (titles name the product type last: "Over the Range
 *   Convection Microwave" is a microwave); at the same place the longer keyword wins
 *   ("ceiling fan" over "fan"). Nothing in the head: the whole title; nothing: "Other".
 * - Price: log-normal around the category's typical price (sd 0.6 in log space), drawn from
 *   a hash of the id, so it is stable per product and unrelated to anything else.
 */

import type { ProductInput } from '../../catalog/product.ts';
import { seededRandom } from '../../ml/seeded-random.ts';
import { titleHead } from './queries.ts';
import { deriveSeed, gaussian } from './sampling.ts';
import { UNCATEGORIZED } from './shoppers.ts';

/**
 * Product-type keywords (singular; plurals match too) by category path, with the category's
 * typical price in USD (the centre of the price draw): `path | price | keywords`.
 */
const CATEGORY_TABLE = `
Appliances > Refrigerators                  | 1200 | refrigerator, fridge, freezer, ice maker, beverage cooler, wine cooler
Appliances > Ranges & Ovens                 |  900 | range, cooktop, wall oven, oven, stove
Appliances > Range Hoods                    |  350 | range hood, hood
Appliances > Microwaves                     |  250 | microwave
Appliances > Dishwashers                    |  600 | dishwasher
Appliances > Washers & Dryers               |  750 | load washer, dryer, washing machine, washer and dryer
Appliances > Small Appliances               |   60 | coffee maker, blender, toaster, mixer, kettle, food processor, slow cooker, fryer, ice machine
Appliances > Garbage Disposals              |  150 | disposal, garbage disposal
Heating & Cooling > Air Conditioners        |  300 | air conditioner, dehumidifier, humidifier, air purifier, evaporative cooler
Heating & Cooling > Heaters & Fireplaces    |  180 | heater, fireplace, wood stove, mantel, log set
Heating & Cooling > Fans                    |   60 | fan, exhaust fan, bath fan, ventilation fan
Heating & Cooling > Thermostats             |   90 | thermostat
Heating & Cooling > Vents & Filters         |   20 | air filter, furnace filter, register, grille, vent, duct, louver, damper, diffuser
Lighting > Ceiling Fans                     |  180 | ceiling fan
Lighting > Light Fixtures                   |  120 | light, lighting, flush mount, flushmount, chandelier, pendant, fixture, light fixture, track lighting, recessed light, downlight
Lighting > Wall Lights                      |   90 | sconce, vanity light, wall light, bath light, night light
Lighting > Outdoor Lighting                 |   60 | lantern, outdoor light, post light, post lamp, landscape light, flood light, floodlight, path light, spotlight, security light, deck light
Lighting > Light Bulbs                      |   10 | bulb, light bulb, fluorescent tube
Lighting > Lamps                            |   70 | lamp, table lamp, floor lamp, desk lamp, lamp shade, flashlight, work light, puck light
Electrical > Wire & Cable                   |   40 | wire, cable, cord, extension cord, power cord
Electrical > Outlets & Switches             |   15 | outlet, receptacle, switch, dimmer, wall plate, gfci, plug
Electrical > Boxes & Conduit                |    8 | conduit, junction box, outlet box, switch box, ceiling box, electrical box, raceway, wire connector
Electrical > Breakers & Panels              |   80 | breaker, circuit breaker, load center, transfer switch, meter socket, disconnect, fuse, surge protective device
Electrical > Batteries & Power              |   40 | battery, charger, surge protector, power strip, solar panel
Electrical > Security & Detectors           |   60 | camera, doorbell, smoke alarm, detector, alarm, motion sensor, sensor, timer, intercom
Plumbing > Pipe & Fittings                  |   10 | pipe, fitting, elbow, tee, coupling, adapter, valve, nipple, flange, bushing, reducer, supply line, connector, tubing, tube, wye, o-ring, cap, tailpiece, crimp ring, pex
Plumbing > Water Heaters                    |  700 | water heater, tankless water heater, expansion tank
Plumbing > Water Filtration                 |  120 | water filter, softener, filtration system, reverse osmosis, filter
Plumbing > Pumps                            |  200 | pump, sump pump
Plumbing > Drains & Repair                  |   15 | drain, trap, stopper, plunger, auger, flapper, repair kit, cartridge, fill valve, strainer
Bath > Bathroom Faucets                     |  150 | faucet, lavatory faucet, bathroom faucet, widespread
Bath > Toilets                              |  250 | toilet, toilet seat, bidet, urinal
Bath > Vanities                             |  500 | vanity, vanity top, vanity cabinet, medicine cabinet
Bath > Bathtubs                             |  800 | tub, bathtub, soaking tub, whirlpool tub
Bath > Showers                              |  300 | shower, shower head, showerhead, shower door, shower kit, shower base, shower wall, enclosure, trim kit, hand shower, diverter
Bath > Bath Accessories                     |   30 | towel bar, towel ring, paper holder, grab bar, shower curtain, shower rod, soap dispenser, robe hook, tissue holder, towel rack
Kitchen > Kitchen Faucets                   |  200 | kitchen faucet, bar faucet, pot filler, pull-down faucet, pull down faucet
Kitchen > Sinks                             |  250 | sink, kitchen sink, utility sink, vessel sink, bar sink
Kitchen > Cabinets & Countertops            |  300 | cabinet, kitchen cabinet, base cabinet, wall cabinet, countertop, backsplash, pantry, kitchen island
Kitchen > Kitchenware                       |   40 | cookware, pan, dinnerware, utensil, cutting board, knife set, canister
Flooring > Tile                             |   35 | tile, floor tile, wall tile, mosaic, porcelain tile, ceramic tile
Flooring > Wood & Laminate                  |   45 | hardwood, laminate, flooring, plank, vinyl plank, floor
Flooring > Carpet & Rugs                    |   80 | carpet, carpet tile, rug, area rug, mat, doormat, runner, rug pad
Flooring > Flooring Accessories             |   25 | underlayment, molding, t-molding, stair nose, threshold, transition strip, stair tread, quarter round, tread, riser
Building Materials > Lumber & Boards        |   25 | lumber, board, plywood, stud, beam, joist, post, timber, deck board
Building Materials > Moulding & Millwork    |   30 | moulding, trim, baseboard, casing, crown, chair rail, corbel, medallion, millwork, rosette, pilaster, baluster, spindle, balustrade, bracket
Building Materials > Roofing & Gutters      |   40 | shingle, roofing, roof, flashing, gutter, downspout, drip edge, gutter guard
Building Materials > Drywall & Insulation   |   30 | insulation, drywall, wall panel, ceiling tile, backer board, weatherstrip, weather stripping, sill, ceiling panel, sheathing
Building Materials > Concrete & Masonry     |   15 | concrete, cement, mortar, grout, stucco, brick, block, paver, sand, gravel, stone, thinset, pebble, rock, rebar
Building Materials > Siding & Exterior Trim |   60 | siding, soffit, fascia, shutter, house wrap
Building Materials > Structural Connectors  |    6 | angle, strap, tie, joist hanger, post base, hurricane tie, mending plate, connector plate
Doors & Windows > Doors                     |  400 | door, entry door, patio door, storm door, screen door, french door, garage door, door slab, prehung door
Doors & Windows > Windows                   |  250 | window, skylight, glass block, window film, window well
Doors & Windows > Window Treatments         |   40 | blind, shade, curtain, drape, drapery, valance, curtain rod, curtain panel, awning, cellular shade, roller shade
Hardware > Fasteners                        |    8 | screw, bolt, nut, washer, anchor, nail, rivet, staple, fastener, pin, lag, threaded rod, lag screw, wood screw
Hardware > Door Hardware                    |   35 | knob, door knob, lever, deadbolt, lock, lockset, handleset, hinge, door handle, door stop, door closer, entry set, padlock, keypad
Hardware > Cabinet Hardware                 |    8 | pull, cabinet pull, drawer pull, cabinet knob, cabinet hinge, drawer slide, bin pull, handle
Hardware > Hooks & Chain                    |   10 | hook, hanger, chain, rope, cable tie, bungee, tie down, carabiner, snap, caster, spring, wheel
Hardware > Mailboxes & Safes                |   60 | mailbox, house number, address plaque, safe, lock box, cash box, key cabinet
Tools > Power Tools                         |  150 | drill, driver, impact driver, hammer drill, saw, circular saw, miter saw, table saw, tile saw, jigsaw, sander, grinder, router, nailer, multi-tool, oscillating tool, rotary tool, planer, heat gun, combo kit, polisher, rotary hammer
Tools > Hand Tools                          |   25 | hammer, wrench, plier, screwdriver, knife, level, tape measure, measure, socket, socket set, ratchet, chisel, clamp, pry bar, file, hand saw, utility knife, crimper, stripper, cutter, snip, tool set, trowel, float, laser level, stud finder
Tools > Tool Storage                        |  120 | tool box, toolbox, tool chest, tool bag, tool cabinet, workbench, tool belt, tool pouch, truck box, tool storage
Tools > Blades & Bits                       |   20 | blade, bit, drill bit, saw blade, sanding disc, sandpaper, abrasive, grinding wheel, cutting wheel, attachment, accessory, hole saw, bit set
Tools > Ladders                             |  150 | ladder, step stool, scaffold, step ladder, extension ladder
Tools > Compressors & Welders               |  250 | compressor, air compressor, welder, air hose, air tool, impact wrench, nail gun
Paint > Paint & Primer                      |   35 | paint, primer, enamel, paint sample, color sample, interior paint, exterior paint
Paint > Stains & Sealers                    |   35 | stain, sealer, coating, waterproofer, varnish, polyurethane, wood finish, sealant, deck stain, epoxy
Paint > Spray Paint                         |    8 | spray paint, aerosol, spray
Paint > Painting Supplies                   |   10 | brush, roller, paint brush, paint roller, tape, painter tape, drop cloth, tray, caulk, putty, spackle, patch, filler, scraper, applicator, roller cover, adhesive, glue, sheeting, plastic sheeting
Paint > Wallpaper                           |   40 | wallpaper, wall decal, wall covering, border
Outdoors > Lawn Mowers                      |  450 | mower, lawn mower, riding mower, lawn tractor, zero-turn, reel mower
Outdoors > Outdoor Power Equipment          |  250 | trimmer, string trimmer, edger, blower, leaf blower, chainsaw, chain saw, tiller, cultivator, pressure washer, generator, chipper, shredder, snow blower, hedge trimmer, log splitter, spreader, pole saw, trimmer line
Outdoors > Grills                           |  300 | grill, smoker, griddle, grill cover, fire pit, firepit, grill brush, grate
Outdoors > Patio Furniture                  |  250 | patio set, dining set, chaise, lounge, lounge chair, adirondack chair, umbrella, hammock, swing, glider, gazebo, pergola, canopy, cushion, patio chair, patio table, rocking chair, loveseat
Outdoors > Garden Center                    |   25 | planter, pot, soil, mulch, fertilizer, seed, plant, flower, shrub, grass, hose, garden hose, sprinkler, nozzle, watering, rain barrel, trellis, raised bed, edging, weed, garden, bird feeder, birdhouse, flower arrangement, rake, shovel, wheelbarrow, pruner, lopper, shears, rose, stem, bird food, pond
Outdoors > Pest Control                     |   12 | insect, insecticide, repellent, trap, bait, killer, pest, rodent, mosquito, herbicide, ant, fungicide
Outdoors > Fencing                          |   60 | fence, fencing, picket, gate, lattice, fence panel, post cap, fence post
Outdoors > Sheds & Playsets                 |  700 | shed, storage shed, deck box, greenhouse, playset, swing set, playhouse, refuse storage, garage kit, carport
Furniture > Living Room                     |  300 | sofa, couch, ottoman, coffee table, end table, accent table, console table, bookcase, entertainment center, tv stand, credenza, accent chair, recliner, futon, chair, side table, armchair
Furniture > Bedroom                         |  400 | bed, headboard, dresser, nightstand, chest, mattress, bed frame, armoire, vanity set
Furniture > Office & Dining                 |  250 | desk, office chair, dining table, table, bar stool, stool, bench, cart, dining chair, filing cabinet, kitchen cart
Storage & Organization > Shelving & Closet  |   60 | shelf, shelving, shelving unit, closet, closet system, organizer, storage, bin, basket, tote, rack, cubby, hamper, wall mount, shelf bracket, storage cabinet, garage storage, drawer
Cleaning > Cleaning Supplies                |   25 | vacuum, vac, wet/dry vac, mop, broom, cleaner, cleaning, trash can, garbage can, waste basket, trash bag, bucket, sponge, wipe, detergent, soap, squeegee, duster, dust pan, napkin receptacle, paper towel, waste can, cleanser, pressure wash
Decor > Mirrors & Wall Art                  |   90 | mirror, art, canvas, wall art, print, clock, frame, picture frame, wall decor, sculpture, wall sculpture
Decor > Holiday Decor                       |   50 | christmas, wreath, garland, ornament, holiday, halloween, inflatable, christmas tree, artificial tree, light set, tree skirt, nativity
Decor > Home Accents                        |   40 | pillow, throw, vase, candle, quilt, sheet, towel, blanket, duvet, comforter, bedding, bath towel, throw pillow, planter box
Safety > Safety Gear                        |   20 | glove, goggle, respirator, safety glasses, hard hat, ear plug, first aid, fire extinguisher, knee pad, vest, safety
`;

interface CategoryRule {
  path: readonly string[];
  price: number;
  keywords: readonly string[];
}

const CATEGORY_RULES: readonly CategoryRule[] = CATEGORY_TABLE.trim()
  .split('\n')
  .map((line) => {
    const [path, price, keywords] = line.split('|').map((cell) => cell.trim());
    return {
      path: path!.split(' > '),
      price: Number(price),
      keywords: keywords!.split(',').map((k) => k.trim()),
    };
  });

export const OTHER_CATEGORY: readonly string[] = [UNCATEGORIZED];
const OTHER_PRICE = 40;
const PRICE_LOG_SD = 0.6;
const MAX_BRAND_WORDS = 3;
/** The brand grows by a word when more than this share of the shorter prefix's titles continue with it. */
const BRAND_CONTINUATION_SHARE = 0.5;
/** A prefix that starts this many titles is a brand (or product line) of its own. */
const BRAND_LINE_TITLES = 40;

const BRAND_STOP_WORDS = new Set(['with', 'in', 'for', 'and', 'or', 'of', 'by', 'x', 'to', 'on', 'the']);
const BRAND_WORD = /^\p{Lu}[\p{L}\p{N}+'’.!-]*$/u;

/** Crude English singular, enough to let "faucets" find "faucet" and "batteries" "battery". */
export function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(?:ch|sh|ss|x|z)es$/.test(word) && word.length > 4) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

function keywordTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/&amp;/g, '&')
    .split(/[^\p{L}\p{N}/]+/u)
    .filter((t) => t.length > 0)
    .map(singular);
}

interface CompiledKeyword {
  tokens: string[];
  rule: CategoryRule;
}

/** Keywords by their last token, so matching looks up each title token once. */
const KEYWORDS_BY_LAST_TOKEN = (() => {
  const index = new Map<string, CompiledKeyword[]>();
  for (const rule of CATEGORY_RULES) {
    for (const keyword of rule.keywords) {
      const tokens = keywordTokens(keyword);
      const last = tokens.at(-1)!;
      const list = index.get(last) ?? [];
      list.push({ tokens, rule });
      index.set(last, list);
    }
  }
  return index;
})();

/** The category rule whose keyword ends furthest right in the tokens (the longer one on a tie). */
function rightmostRule(tokens: readonly string[]): CategoryRule | undefined {
  for (let end = tokens.length - 1; end >= 0; end--) {
    let best: CompiledKeyword | undefined;
    for (const keyword of KEYWORDS_BY_LAST_TOKEN.get(tokens[end]!) ?? []) {
      const start = end - keyword.tokens.length + 1;
      if (start < 0) continue;
      if (!keyword.tokens.every((t, i) => tokens[start + i] === t)) continue;
      if (!best || keyword.tokens.length > best.tokens.length) best = keyword;
    }
    if (best) return best.rule;
  }
  return undefined;
}

function categoryRule(title: string, brand?: string): CategoryRule | undefined {
  const withoutBrand = brand && title.startsWith(brand) ? title.slice(brand.length) : title;
  return rightmostRule(keywordTokens(titleHead(withoutBrand))) ?? rightmostRule(keywordTokens(withoutBrand));
}

/** The category path for a title (`["Lighting", "Ceiling Fans"]`), or `["Other"]`. */
export function deriveCategory(title: string, brand?: string): readonly string[] {
  return categoryRule(title, brand)?.path ?? OTHER_CATEGORY;
}

/** Every category path the table can produce, with its typical price. */
export function enrichmentCategories(): { path: readonly string[]; price: number }[] {
  return [
    ...CATEGORY_RULES.map(({ path, price }) => ({ path, price })),
    { path: OTHER_CATEGORY, price: OTHER_PRICE },
  ];
}

/** A shop-like price (x.97, or x.x7 below $10), log-normal around `centre`, fixed by the id. */
export function derivePrice(id: string, centre: number): number {
  const random = seededRandom(deriveSeed(0x5eed, 'price', id));
  const price = centre * Math.exp(PRICE_LOG_SD * gaussian(random));
  const rounded = price < 10 ? Math.round(price * 10) / 10 - 0.03 : Math.round(price) - 0.03;
  return Math.max(0.97, Math.round(rounded * 100) / 100);
}

/** The leading words of a title that could be (part of) a brand. */
function leadingBrandWords(title: string): string[] {
  const words = title.replace(/&amp;/g, '&').split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < words.length && out.length < MAX_BRAND_WORDS; i++) {
    const word = words[i]!;
    if (out.length > 0 && word === '&') {
      // "Briggs & Stratton": the joiner belongs to the brand when a brand word follows it.
      const next = words[i + 1];
      if (!next || !BRAND_WORD.test(next)) break;
      out.push(`${word} ${next}`);
      i++;
      continue;
    }
    if (BRAND_STOP_WORDS.has(word.toLowerCase()) || !BRAND_WORD.test(word)) break;
    out.push(word);
  }
  return out;
}

/** Finds brands from how titles of the whole catalog begin (see the module comment). */
export class BrandDetector {
  private readonly prefixCounts = new Map<string, number>();

  constructor(titles: Iterable<string>) {
    for (const title of titles) {
      const words = leadingBrandWords(title);
      for (let n = 1; n <= words.length; n++) {
        const prefix = words.slice(0, n).join(' ');
        this.prefixCounts.set(prefix, (this.prefixCounts.get(prefix) ?? 0) + 1);
      }
    }
  }

  brand(title: string): string | undefined {
    const words = leadingBrandWords(title);
    if (words.length === 0) return undefined;
    let length = 1;
    while (length < words.length) {
      const shorter = this.prefixCounts.get(words.slice(0, length).join(' ')) ?? 0;
      const longer = this.prefixCounts.get(words.slice(0, length + 1).join(' ')) ?? 0;
      if (longer <= BRAND_CONTINUATION_SHARE * shorter && longer < BRAND_LINE_TITLES) break;
      length++;
    }
    return words.slice(0, length).join(' ');
  }
}

export interface TitleOnlyProduct {
  id: string | number;
  title: string;
}

/** Product records (valid for `POST /v1/products`) with derived brand, category and price. */
export function enrichTitleOnlyProducts(rows: readonly TitleOnlyProduct[]): ProductInput[] {
  const brands = new BrandDetector(rows.map((row) => row.title));
  return rows.map((row) => {
    const id = String(row.id);
    const title = row.title.trim();
    const brand = brands.brand(title);
    const rule = categoryRule(title, brand);
    return {
      id,
      title,
      ...(brand && { brand }),
      category: [...(rule?.path ?? OTHER_CATEGORY)],
      price: derivePrice(id, rule?.price ?? OTHER_PRICE),
      currency: 'USD',
    };
  });
}
