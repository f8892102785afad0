/**
 * The union-find of groups a batch is planned with: each group gathers the
 * profiles, identifiers and events that will become one profile, and joining
 * two groups is how profiles come to merge.
 */
import type { Identifier, UnifyEvent } from '../../../shared/events';
import type { Profile } from '../profile/profile';
import type { JoinEvidence } from './merge-reason';

type Identifiers = Readonly<Record<string, readonly string[]>>;

export class Group<E> {
  parent: Group<E> = this;
  /** Identifier values per type the group's profile would hold: the limits are checked against these. */
  readonly values = new Map<string, Set<string>>();
  /** Profiles' identifiers not yet added to `values` (most events never need a limit check). */
  unread: Identifiers[] = [];
  /** Live profiles in the group: all but the oldest are merged away. */
  readonly real = new Set<string>();
  /** Profiles an unmerge separated from those in this group: it never joins a group holding one. */
  readonly separated = new Set<string>();
  /** Ids an identifier points at that have no profile (never written): tombstoned, or taken as the survivor's id. */
  readonly ghosts = new Set<string>();
  /** Merged-away profiles passed on the way to the group's root that the root has not absorbed (a crash between writes). */
  readonly pending = new Set<string>();
  /** Identifier keys the batch's events carry that the group claims. */
  readonly keys = new Set<string>();
  /** Keys of the batch found through their owner, which may be a merged-away profile. */
  readonly owned = new Set<string>();
  readonly events: E[] = [];
  /** Why the group's live profiles were joined, for their merge records. */
  readonly evidence: JoinEvidence[] = [];

  /** The group this one has been joined into (itself when it is a root). */
  find(): Group<E> {
    let g: Group<E> = this;
    while (g.parent !== g) g = g.parent;
    this.parent = g;
    return g;
  }

  /** Counts a profile's identifiers towards the group's values, read lazily by `heldValues`. */
  addIdentifiers(identifiers: Identifiers): void {
    this.unread.push(identifiers);
  }

  /** Adds one identifier to the group's values straight away. */
  hold(id: Identifier): void {
    let set = this.values.get(id.type);
    if (set === undefined) this.values.set(id.type, (set = new Set()));
    set.add(id.value);
  }

  /** The group's values per type, reading the profiles' identifiers the first time they are needed. */
  heldValues(): Map<string, Set<string>> {
    for (const identifiers of this.unread) {
      for (const [type, values] of Object.entries(identifiers)) {
        let set = this.values.get(type);
        if (set === undefined) this.values.set(type, (set = new Set()));
        for (const v of values) set.add(v);
      }
    }
    this.unread = [];
    return this.values;
  }
}

/** Where an id's merge pointers lead: the live profile, or a ghost (an id with no profile), and the ids passed on the way. */
interface Root {
  readonly id: string;
  readonly live?: Profile;
  readonly via: readonly string[];
}

function followMergePointers(profiles: ReadonlyMap<string, Profile>, id: string): Root {
  const via: string[] = [];
  let current = id;
  for (let hops = 0; hops < 32; hops++) {
    const p = profiles.get(current);
    if (p?.mergedInto === undefined) return p === undefined ? { id: current, via } : { id: current, live: p, via };
    via.push(current);
    current = p.mergedInto;
  }
  throw new Error(`merge pointers from profile ${id} form a chain longer than 32`);
}

export class Groups<E extends UnifyEvent> {
  /** Every group in creation order (the order components are planned in). */
  private readonly all: Group<E>[] = [];
  /** Groups by the live (or ghost) profile at the end of the merge pointers. */
  private readonly byRoot = new Map<string, Group<E>>();
  /** Groups by identifier key, whether found through its owner or claimed by the batch. */
  private readonly byKey = new Map<string, Group<E>>();

  constructor(
    private readonly owners: ReadonlyMap<string, string>,
    private readonly profiles: ReadonlyMap<string, Profile>,
  ) {}

  /** A new group of its own. */
  create(): Group<E> {
    const g = new Group<E>();
    this.all.push(g);
    return g;
  }

  /**
   * The group of a profile, resolved through merge pointers to the live
   * profile (or ghost) at their end; merged-away profiles passed on the way
   * that it has not absorbed join the group as pending.
   */
  ofProfile(profileId: string): Group<E> {
    const root = followMergePointers(this.profiles, profileId);
    let g = this.byRoot.get(root.id)?.find();
    if (g === undefined) {
      g = this.create();
      this.byRoot.set(root.id, g);
      if (root.live !== undefined) {
        g.real.add(root.id);
        g.addIdentifiers(root.live.identifiers);
        for (const id of root.live.separatedFrom ?? []) g.separated.add(id);
      } else g.ghosts.add(root.id);
    }
    const rootProfile = root.live;
    for (const id of root.via) {
      if (!rootProfile?.mergedFrom.includes(id) && !g.pending.has(id)) {
        g.pending.add(id);
        const pending = this.profiles.get(id);
        if (pending !== undefined) g.addIdentifiers(pending.identifiers);
      }
    }
    return g;
  }

  /** The group an identifier already belongs to (claimed in this batch, or through its owner), if any. */
  ofKey(key: string): Group<E> | undefined {
    let g = this.byKey.get(key)?.find();
    if (g === undefined) {
      const owner = this.owners.get(key);
      if (owner !== undefined) {
        g = this.ofProfile(owner).find();
        g.owned.add(key);
        this.byKey.set(key, g);
      }
    }
    return g;
  }

  /** Whether the batch has already placed this key in a group. */
  placed(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Gives a group an identifier no one owns. */
  claim(g: Group<E>, key: string, id: Identifier): void {
    g.keys.add(key);
    if (!this.byKey.has(key)) this.byKey.set(key, g);
    g.hold(id);
  }

  /** Joins two groups into one (the first's root survives as the root) and returns it. */
  union(a: Group<E>, b: Group<E>): Group<E> {
    const ra = a.find();
    const rb = b.find();
    if (ra === rb) return ra;
    rb.parent = ra;
    for (const x of rb.real) ra.real.add(x);
    for (const x of rb.separated) ra.separated.add(x);
    for (const x of rb.ghosts) ra.ghosts.add(x);
    for (const x of rb.pending) ra.pending.add(x);
    for (const x of rb.keys) ra.keys.add(x);
    for (const x of rb.owned) ra.owned.add(x);
    for (const [type, values] of rb.values) {
      const set = ra.values.get(type);
      if (set === undefined) ra.values.set(type, new Set(values));
      else for (const v of values) set.add(v);
    }
    ra.unread.push(...rb.unread);
    ra.events.push(...rb.events);
    ra.evidence.push(...rb.evidence);
    return ra;
  }

  /** The groups left once every join is done, one per component, in creation order. */
  components(): Group<E>[] {
    return this.all.filter((g) => g.find() === g);
  }
}
