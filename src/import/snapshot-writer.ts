import { type Kysely, sql, type Transaction } from 'kysely';
import { type BulkColumn, bulkInsert } from '../data/bulk-insert.ts';
import type { Database, Gender, SnapshotSource } from '../data/schema.ts';
import type { EpisodeKind } from '../domain/child-status.ts';
import { nameKey } from '../domain/name-matching.ts';
import type { ReviewingOfficerKind } from '../domain/reviewing-officers.ts';
import type { ImportTally, RowWhere } from './types.ts';

/** What a list or table says about a child. Absent details are left as they were. */
export interface ChildFacts {
  ref: string;
  firstName?: string | null;
  lastName?: string | null;
  dateOfBirth?: string | null;
  gender?: Gender | null;
  ethnicity?: string | null;
  disability?: boolean | null;
  uasc?: boolean | null;
}

/** Who a child is allocated to: a team and worker by the extract's identifier or by name. */
export interface AllocationFacts {
  childRef: string;
  /** QA Loop's own ids, when the caller already knows them */
  teamId?: string | null;
  staffId?: string | null;
  teamRef?: string | null;
  teamName?: string | null;
  workerRef?: string | null;
  workerName?: string | null;
  startDate?: string | null;
  endDate?: string | null;
}

/**
 * A child's independent reviewing officer or child protection adviser (SSD involvements whose role
 * names one): the worker matched as an allocation's worker is, by identifier or name.
 */
export interface ReviewingOfficerFacts {
  childRef: string;
  kind: ReviewingOfficerKind;
  /** QA Loop's own id, when the caller already knows it */
  staffId?: string | null;
  workerRef?: string | null;
  workerName?: string | null;
  startDate?: string | null;
  endDate?: string | null;
}

export interface EpisodeFacts {
  childRef: string;
  kind: EpisodeKind;
  externalId?: string | null;
  startDate: string;
  endDate?: string | null;
  detail?: string | null;
  attributes?: Record<string, string | number | boolean | null>;
}

export interface VisitFacts {
  childRef: string;
  kind: 'cin' | 'cp' | 'cla';
  visitDate: string;
  seen?: boolean | null;
  seenAlone?: boolean | null;
}

export interface PlacementFacts {
  childRef: string;
  startDate: string;
  endDate?: string | null;
  placementType?: string | null;
  provider?: string | null;
  postcode?: string | null;
  urn?: string | null;
  changeReason?: string | null;
}

export interface TeamFacts {
  ref: string;
  name: string;
  serviceAreaName?: string | null;
}

export interface WorkerFacts {
  ref: string;
  name: string;
  jobTitle?: string | null;
  /** the council's own staff number (SSD `prof_staff_id`), as the staff file's staff ID */
  staffNumber?: string | null;
  teamRef?: string | null;
  teamName?: string | null;
}

/** Where a row is, and which of its columns holds the child's identifier (for "no such child"). */
export interface RowAt extends RowWhere {
  childColumn?: string;
}

type Pending<T> = { facts: T; at: RowAt; source: SnapshotSource };

const BATCH = 500;

const EPISODE_COLUMNS = [
  ['council_id', 'uuid'],
  ['snapshot_id', 'uuid'],
  ['source', 'text'],
  ['child_id', 'uuid'],
  ['kind', 'text'],
  ['external_id', 'text'],
  ['start_date', 'date'],
  ['end_date', 'date'],
  ['detail', 'text'],
  ['attributes', 'jsonb'],
] as const;

const SNAPSHOT_CHILD_COLUMNS = [
  ['council_id', 'uuid'],
  ['snapshot_id', 'uuid'],
  ['source', 'text'],
  ['child_id', 'uuid'],
  ['file', 'text'],
  ['sheet', 'text'],
  ['row', 'integer'],
  ['date_of_birth', 'date'],
  ['gender', 'text'],
  ['ethnicity', 'text'],
  ['disability', 'boolean'],
  ['uasc', 'boolean'],
] as const;

const INVOLVEMENT_COLUMNS = [
  ['council_id', 'uuid'],
  ['snapshot_id', 'uuid'],
  ['source', 'text'],
  ['child_id', 'uuid'],
  ['staff_id', 'uuid'],
  ['team_id', 'uuid'],
  ['team_name', 'text'],
  ['worker_name', 'text'],
  ['start_date', 'date'],
  ['end_date', 'date'],
] as const;

const REVIEWING_OFFICER_COLUMNS = [
  ['council_id', 'uuid'],
  ['snapshot_id', 'uuid'],
  ['source', 'text'],
  ['child_id', 'uuid'],
  ['staff_id', 'uuid'],
  ['kind', 'text'],
  ['worker_name', 'text'],
  ['start_date', 'date'],
  ['end_date', 'date'],
] as const;

const VISIT_COLUMNS = [
  ['council_id', 'uuid'],
  ['snapshot_id', 'uuid'],
  ['source', 'text'],
  ['child_id', 'uuid'],
  ['kind', 'text'],
  ['visit_date', 'date'],
  ['seen', 'boolean'],
  ['seen_alone', 'boolean'],
] as const;

const PLACEMENT_COLUMNS = [
  ['council_id', 'uuid'],
  ['snapshot_id', 'uuid'],
  ['source', 'text'],
  ['child_id', 'uuid'],
  ['start_date', 'date'],
  ['end_date', 'date'],
  ['placement_type', 'text'],
  ['provider', 'text'],
  ['postcode', 'text'],
  ['urn', 'text'],
  ['change_reason', 'text'],
] as const;
/** The tables holding a snapshot's rows by source: what an import replaces, and what it builds aside. */
export const SNAPSHOT_ROW_TABLES = [
  'snapshot_children',
  'child_involvements',
  'child_reviewing_officers',
  'child_episodes',
  'child_visits',
  'child_placements',
] as const;

/** A child's details as the children table holds them. */
interface ChildRow {
  first_name: string | null;
  last_name: string | null;
  date_of_birth: string | null;
  gender: string;
  ethnicity: string | null;
  disability: boolean;
  uasc: boolean;
}

/** How many listed children's ids the writer keeps to hand (about 5 MB): memory stays bounded. */
const LISTED_KEPT = 50_000;

/**
 * Writes what readers find into one snapshot, inside the import's transaction, in batches so any
 * file size runs in the same memory. Readers hand over facts row by row; the writer matches
 * children, teams and workers by identifier (or a team's or worker's name, or a saved alias),
 * and reports rows it cannot place — a plan for a child the import does not list — to the tally.
 * Call `flush()` when a file ends: rows of later files may refer to children of earlier ones.
 */
export class SnapshotWriter {
  readonly #trx: Kysely<Database>;
  readonly #councilId: string;
  readonly snapshotId: string;
  readonly #tally: ImportTally;
  readonly #cleared = new Set<SnapshotSource>();
  readonly sources: SnapshotSource[] = [];
  /** the sources whose earlier rows of the same date this import replaces */
  readonly replaced: SnapshotSource[] = [];
  /**
   * Building a snapshot aside (src/services/case-data/snapshot-import.ts): each batch is written
   * on its own (not in one transaction), and what it would change of children already known (their
   * details, flags and families) is kept here until `applyHeldBack`, in the import's last
   * transaction, so nobody sees a child changed by an import that has not finished.
   */
  readonly #aside: boolean;
  readonly #heldDetails = new Map<string, ChildRow>();
  readonly #heldFamilies = new Map<string, string>();
  readonly #heldFlags = { disability: new Set<string>(), uasc: new Set<string>() };
  #touched = Date.now();

  #children: Pending<ChildFacts>[] = [];
  #allocations: Pending<AllocationFacts>[] = [];
  #reviewingOfficers: Pending<ReviewingOfficerFacts>[] = [];
  #episodes: Pending<EpisodeFacts>[] = [];
  #visits: Pending<VisitFacts>[] = [];
  #placements: Pending<PlacementFacts>[] = [];
  #families: Pending<{ childRef: string; familyRef: string }>[] = [];
  #flags: Pending<{ childRef: string; disability?: true; uasc?: true }>[] = [];

  #directory?: Directory;
  /** children this import has listed, most recent first to be kept: saves looking them up again */
  readonly #listed = new Map<string, string>();

  constructor(
    trx: Transaction<Database> | Kysely<Database>,
    options: { councilId: string; snapshotId: string; tally: ImportTally; aside?: boolean },
  ) {
    this.#trx = trx;
    this.#councilId = options.councilId;
    this.snapshotId = options.snapshotId;
    this.#tally = options.tally;
    this.#aside = options.aside ?? false;
  }

  /**
   * Starts (or continues) what a source brings to the snapshot. The first time in an import, what
   * an earlier import of the same date brought from the same source is removed: it is replaced.
   */
  async beginSource(
    source: SnapshotSource,
    options: { replace: boolean } = { replace: true },
  ): Promise<void> {
    if (this.#cleared.has(source)) return;
    this.#cleared.add(source);
    this.sources.push(source);
    if (!options.replace) return;
    this.replaced.push(source);
    // built aside, the snapshot holds nothing yet: the rows it replaces go when it is made current
    if (this.#aside) return;
    for (const table of SNAPSHOT_ROW_TABLES) {
      await this.#trx
        .deleteFrom(table)
        .where('snapshot_id', '=', this.snapshotId)
        .where('source', '=', source)
        .execute();
    }
  }

  #check(source: SnapshotSource) {
    if (!this.#cleared.has(source)) throw new Error(`beginSource("${source}") was not called`);
  }

  async child(source: SnapshotSource, facts: ChildFacts, at: RowAt): Promise<void> {
    this.#check(source);
    this.#children.push({ facts, at, source });
    if (this.#children.length >= BATCH) await this.#flushChildren();
  }

  async allocation(source: SnapshotSource, facts: AllocationFacts, at: RowAt): Promise<void> {
    this.#check(source);
    this.#allocations.push({ facts, at, source });
    if (this.#allocations.length >= BATCH) await this.#flushAllocations();
  }

  /** A child's reviewing officer: kept apart from the workers the child is allocated to. */
  async reviewingOfficer(source: SnapshotSource, facts: ReviewingOfficerFacts, at: RowAt): Promise<void> {
    this.#check(source);
    this.#reviewingOfficers.push({ facts, at, source });
    if (this.#reviewingOfficers.length >= BATCH) await this.#flushReviewingOfficers();
  }

  async episode(source: SnapshotSource, facts: EpisodeFacts, at: RowAt): Promise<void> {
    this.#check(source);
    this.#episodes.push({ facts, at, source });
    if (this.#episodes.length >= BATCH) await this.#flushEpisodes();
  }

  async visit(source: SnapshotSource, facts: VisitFacts, at: RowAt): Promise<void> {
    this.#check(source);
    this.#visits.push({ facts, at, source });
    if (this.#visits.length >= BATCH) await this.#flushVisits();
  }

  async placement(source: SnapshotSource, facts: PlacementFacts, at: RowAt): Promise<void> {
    this.#check(source);
    this.#placements.push({ facts, at, source });
    if (this.#placements.length >= BATCH) await this.#flushPlacements();
  }

  /** Puts a child in a family (SSD `ssd_family`): brothers and sisters share the family. */
  async family(source: SnapshotSource, facts: { childRef: string; familyRef: string }, at: RowAt) {
    this.#check(source);
    this.#families.push({ facts, at, source });
    if (this.#families.length >= BATCH) await this.#flushFamilies();
  }

  /** Marks a child as disabled or an unaccompanied asylum-seeking child (SSD side tables). */
  async flags(
    source: SnapshotSource,
    facts: { childRef: string; disability?: true; uasc?: true },
    at: RowAt,
  ): Promise<void> {
    this.#check(source);
    this.#flags.push({ facts, at, source });
    if (this.#flags.length >= BATCH) await this.#flushFlags();
  }

  /** A team by the extract's identifier (SSD `ssd_department`): renamed when its name changes. */
  async team(facts: TeamFacts): Promise<void> {
    const dir = await this.#dir();
    const serviceAreaId = facts.serviceAreaName ? await this.#serviceArea(facts.serviceAreaName) : null;
    const existing = dir.teamByRef.get(facts.ref) ?? dir.unreferencedTeamByKey(nameKey(facts.name));
    if (existing) {
      await this.#trx
        .updateTable('teams')
        .set({
          name: facts.name,
          external_id: facts.ref,
          ...(serviceAreaId ? { service_area_id: serviceAreaId } : {}),
        })
        .where('id', '=', existing.id)
        .execute();
      dir.addTeam({ id: existing.id, externalId: facts.ref, name: facts.name });
      return;
    }
    const areaId = serviceAreaId ?? (await this.#serviceArea('Not given in the extract'));
    const row = await this.#trx
      .insertInto('teams')
      .values({
        council_id: this.#councilId,
        name: facts.name,
        external_id: facts.ref,
        service_area_id: areaId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    dir.addTeam({ id: row.id, externalId: facts.ref, name: facts.name });
  }

  /** A worker by the extract's identifier (SSD `ssd_professionals`), kept up to date. */
  async worker(facts: WorkerFacts): Promise<void> {
    const dir = await this.#dir();
    const team = dir.team(facts.teamRef, facts.teamName);
    // the staff file and the extract name the same person by the council's staff number
    const number = facts.staffNumber?.trim() || null;
    const existing =
      dir.staffByRef.get(facts.ref) ??
      (number ? dir.staffByNumber.get(number.toLowerCase()) : undefined) ??
      dir.unreferencedStaffByKey(nameKey(facts.name));
    // a staff number someone else holds is left with them
    const holder = number ? dir.staffByNumber.get(number.toLowerCase()) : undefined;
    const takeNumber = number && (!holder || holder.id === existing?.id) ? number : null;
    if (existing) {
      // what the extract leaves blank (and the person's email, which it never gives) is kept, and
      // a leaver is never made active again
      await this.#trx
        .updateTable('staff')
        .set({
          name: facts.name,
          external_id: facts.ref,
          ...(facts.jobTitle ? { job_title: facts.jobTitle } : {}),
          ...(team ? { team_id: team.id } : {}),
          ...(takeNumber ? { staff_number: takeNumber } : {}),
        })
        .where('id', '=', existing.id)
        .execute();
      dir.addStaff({
        id: existing.id,
        externalId: facts.ref,
        name: facts.name,
        teamId: team?.id ?? existing.teamId,
        staffNumber: takeNumber ?? existing.staffNumber,
      });
      return;
    }
    const row = await this.#trx
      .insertInto('staff')
      .values({
        council_id: this.#councilId,
        external_id: facts.ref,
        name: facts.name,
        job_title: facts.jobTitle || 'Not given in the extract',
        team_id: team?.id ?? null,
        staff_number: takeNumber,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    dir.addStaff({
      id: row.id,
      externalId: facts.ref,
      name: facts.name,
      teamId: team?.id ?? null,
      staffNumber: takeNumber,
    });
  }

  async #serviceArea(name: string): Promise<string> {
    const dir = await this.#dir();
    const known = dir.serviceAreaByKey.get(nameKey(name));
    if (known) return known;
    const row = await this.#trx
      .insertInto('service_areas')
      .values({ council_id: this.#councilId, name })
      .returning('id')
      .executeTakeFirstOrThrow();
    dir.serviceAreaByKey.set(nameKey(name), row.id);
    return row.id;
  }

  async #dir(): Promise<Directory> {
    if (!this.#directory) this.#directory = await Directory.load(this.#trx, this.#councilId);
    return this.#directory;
  }

  /** Writes everything held back. Call at the end of each file and of the import. */
  async flush(): Promise<void> {
    await this.#flushChildren();
    await this.#flushFamilies();
    await this.#flushFlags();
    await this.#flushAllocations();
    await this.#flushReviewingOfficers();
    await this.#flushEpisodes();
    await this.#flushVisits();
    await this.#flushPlacements();
  }

  async #flushChildren() {
    const batch = this.#children;
    if (!batch.length) return;
    this.#children = [];
    // one row per child for the upsert (a child on two lists in the same batch is merged)
    const merged = new Map<string, ChildFacts>();
    for (const { facts } of batch) {
      const prev = merged.get(facts.ref);
      merged.set(facts.ref, prev ? mergeFacts(prev, facts) : facts);
    }
    const values = [...merged.values()].map((f) => ({
      external_id: f.ref,
      first_name: f.firstName ?? null,
      last_name: f.lastName ?? null,
      date_of_birth: f.dateOfBirth ?? null,
      gender: f.gender ?? 'unknown',
      ethnicity: f.ethnicity ?? null,
      disability: f.disability ?? false,
      uasc: f.uasc ?? false,
    }));
    // details an extract leaves out are kept as they were; the flags, once set, stay set
    const { rows } = this.#aside
      ? await this.#childrenAside(values)
      : await sql<{ id: string; external_id: string }>`
      insert into children (council_id, external_id, first_name, last_name, date_of_birth, gender, ethnicity, disability, uasc)
      select ${this.#councilId}::uuid, x.external_id, x.first_name, x.last_name, x.date_of_birth, x.gender,
        x.ethnicity, x.disability, x.uasc
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as x(external_id text, first_name text,
        last_name text, date_of_birth date, gender text, ethnicity text, disability boolean, uasc boolean)
      on conflict (council_id, external_id) do update set
        first_name = coalesce(excluded.first_name, children.first_name),
        last_name = coalesce(excluded.last_name, children.last_name),
        date_of_birth = coalesce(excluded.date_of_birth, children.date_of_birth),
        gender = case when excluded.gender = 'unknown' then children.gender else excluded.gender end,
        ethnicity = coalesce(excluded.ethnicity, children.ethnicity),
        disability = excluded.disability or children.disability,
        uasc = excluded.uasc or children.uasc
      returning id, external_id`.execute(this.#trx);
    const idOf = new Map(rows.map((r) => [r.external_id, r.id]));
    if (this.#listed.size > LISTED_KEPT) this.#listed.clear();
    for (const [ref, id] of idOf) this.#listed.set(ref, id);
    await bulkInsert(
      this.#trx,
      'snapshot_children',
      SNAPSHOT_CHILD_COLUMNS,
      batch.map(({ facts, at, source }) => ({
        council_id: this.#councilId,
        snapshot_id: this.snapshotId,
        source,
        child_id: idOf.get(facts.ref) as string,
        file: at.file,
        sheet: at.sheet ?? null,
        row: at.row,
        date_of_birth: facts.dateOfBirth ?? null,
        gender: facts.gender ?? null,
        ethnicity: facts.ethnicity ?? null,
        disability: facts.disability ?? null,
        uasc: facts.uasc ?? null,
      })),
    );
    await this.#between();
  }

  /**
   * Built aside: children not known before are added (naming the snapshot being built, so they
   * go with it if the import never finishes; nobody sees them until it does, as no current
   * snapshot lists them), and what would change of those already known is held back.
   */
  async #childrenAside(values: (ChildRow & { external_id: string })[]) {
    const added = await sql<{ id: string; external_id: string }>`
      insert into children (council_id, external_id, first_name, last_name, date_of_birth, gender, ethnicity, disability, uasc, staged_in)
      select ${this.#councilId}::uuid, x.external_id, x.first_name, x.last_name, x.date_of_birth, x.gender,
        x.ethnicity, x.disability, x.uasc, ${this.snapshotId}::uuid
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as x(external_id text, first_name text,
        last_name text, date_of_birth date, gender text, ethnicity text, disability boolean, uasc boolean)
      on conflict (council_id, external_id) do nothing
      returning id, external_id`.execute(this.#trx);
    const addedRefs = new Set(added.rows.map((r) => r.external_id));
    const known = values.filter((v) => !addedRefs.has(v.external_id));
    if (!known.length) return added;
    const rows = await this.#trx
      .selectFrom('children')
      .select([
        'id',
        'external_id',
        'first_name',
        'last_name',
        'date_of_birth',
        'gender',
        'ethnicity',
        'disability',
        'uasc',
      ])
      .where('council_id', '=', this.#councilId)
      .where(
        'external_id',
        'in',
        known.map((v) => v.external_id),
      )
      .execute();
    const factsOf = new Map(known.map((v) => [v.external_id, v]));
    for (const row of rows) {
      const facts = factsOf.get(row.external_id);
      if (!facts) continue;
      const base = this.#heldDetails.get(row.id) ?? row;
      // the same rules as the upsert's: what the extract leaves out is kept, flags stay set
      const next: ChildRow = {
        first_name: facts.first_name ?? base.first_name,
        last_name: facts.last_name ?? base.last_name,
        date_of_birth: facts.date_of_birth ?? base.date_of_birth,
        gender: facts.gender === 'unknown' ? base.gender : facts.gender,
        ethnicity: facts.ethnicity ?? base.ethnicity,
        disability: facts.disability || base.disability,
        uasc: facts.uasc || base.uasc,
      };
      const same = (Object.keys(next) as (keyof ChildRow)[]).every((k) => next[k] === row[k]);
      if (same) this.#heldDetails.delete(row.id);
      else this.#heldDetails.set(row.id, next);
    }
    return { rows: [...added.rows, ...rows.map((r) => ({ id: r.id, external_id: r.external_id }))] };
  }

  /**
   * Between two batches built aside: the event loop is given a turn, so that on the embedded
   * database (one session) requests waiting for it are answered before the next batch; and the
   * snapshot is touched now and then, so others know its builder is still at work.
   */
  async #between() {
    if (!this.#aside) return;
    await new Promise((resolve) => setImmediate(resolve));
    if (Date.now() - this.#touched < 30_000) return;
    this.#touched = Date.now();
    await this.#trx
      .updateTable('snapshots')
      .set({ updated_at: new Date() })
      .where('id', '=', this.snapshotId)
      .execute();
  }

  /**
   * Writes what was held back of children already known (their details, flags and families), in
   * the import's last transaction: only built aside.
   */
  async applyHeldBack(trx: Transaction<Database>): Promise<void> {
    const details = [...this.#heldDetails].map(([id, row]) => ({ id, ...row }));
    for (let i = 0; i < details.length; i += 1000) {
      await sql`update children c set first_name = x.first_name, last_name = x.last_name,
          date_of_birth = x.date_of_birth, gender = x.gender, ethnicity = x.ethnicity,
          disability = x.disability, uasc = x.uasc
        from jsonb_to_recordset(${JSON.stringify(details.slice(i, i + 1000))}::jsonb) as x(id uuid,
          first_name text, last_name text, date_of_birth date, gender text, ethnicity text,
          disability boolean, uasc boolean)
        where c.id = x.id`.execute(trx);
    }
    for (const flag of ['disability', 'uasc'] as const) {
      const ids = [...this.#heldFlags[flag]];
      for (let i = 0; i < ids.length; i += 1000)
        await trx
          .updateTable('children')
          .set({ [flag]: true })
          .where('id', 'in', ids.slice(i, i + 1000))
          .execute();
    }
    const families = [...this.#heldFamilies];
    for (let i = 0; i < families.length; i += 1000) {
      const pairs = families
        .slice(i, i + 1000)
        .map(([child, family]) => sql`(${child}::uuid, ${family}::uuid)`);
      await sql`update children c set family_id = v.family_id
        from (values ${sql.join(pairs)}) as v(child_id, family_id) where c.id = v.child_id`.execute(trx);
    }
    this.#heldDetails.clear();
    this.#heldFlags.disability.clear();
    this.#heldFlags.uasc.clear();
    this.#heldFamilies.clear();
  }

  /**
   * The ids of the children among `refs` this snapshot lists; the rows naming any other child are
   * rejected, with the column that holds the identifier.
   */
  async #placeChildren<T extends { childRef: string }>(batch: Pending<T>[]) {
    await this.#flushChildren();
    const idOf = new Map<string, string>();
    const unknown = new Set<string>();
    for (const p of batch) {
      const id = this.#listed.get(p.facts.childRef);
      if (id) idOf.set(p.facts.childRef, id);
      else unknown.add(p.facts.childRef);
    }
    const refs = [...unknown];
    const rows = !refs.length
      ? []
      : await this.#trx
          .selectFrom('children as c')
          .select(['c.id', 'c.external_id'])
          .where('c.council_id', '=', this.#councilId)
          .where('c.external_id', 'in', refs)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('snapshot_children as sc')
                .select('sc.id')
                .whereRef('sc.child_id', '=', 'c.id')
                .where('sc.snapshot_id', '=', this.snapshotId),
            ),
          )
          .execute();
    for (const r of rows) idOf.set(r.external_id, r.id);
    const placed: (Pending<T> & { childId: string })[] = [];
    for (const p of batch) {
      const childId = idOf.get(p.facts.childRef);
      if (childId) placed.push({ ...p, childId });
      else
        this.#tally.reject([
          {
            file: p.at.file,
            ...(p.at.sheet ? { sheet: p.at.sheet } : {}),
            row: p.at.row,
            column: p.at.childColumn ?? 'child',
            message: `No child with the ID "${p.facts.childRef}" is in this import's list of children`,
          },
        ]);
    }
    return placed;
  }

  /**
   * Writes rows about children this snapshot lists into a snapshot table, with the columns every
   * such table has (council, snapshot, source, child); rows about any other child are rejected.
   */
  async #writePlaced<T extends { childRef: string }>(
    batch: Pending<T>[],
    table:
      | 'child_involvements'
      | 'child_reviewing_officers'
      | 'child_episodes'
      | 'child_visits'
      | 'child_placements',
    columns: readonly BulkColumn[],
    row: (facts: T) => Record<string, unknown>,
  ) {
    if (!batch.length) return;
    const placed = await this.#placeChildren(batch);
    await bulkInsert(
      this.#trx,
      table,
      columns,
      placed.map(({ facts, childId, source }) => ({
        council_id: this.#councilId,
        snapshot_id: this.snapshotId,
        source,
        child_id: childId,
        ...row(facts),
      })),
    );
    await this.#between();
  }

  async #flushAllocations() {
    const batch = this.#allocations;
    this.#allocations = [];
    if (!batch.length) return;
    const dir = await this.#dir();
    await this.#writePlaced(batch, 'child_involvements', INVOLVEMENT_COLUMNS, (f) => {
      const worker = f.staffId ? { id: f.staffId, teamId: null } : dir.worker(f.workerRef, f.workerName);
      const team =
        (f.teamId ? { id: f.teamId } : dir.team(f.teamRef, f.teamName)) ??
        (worker?.teamId ? { id: worker.teamId } : undefined);
      return {
        staff_id: worker?.id ?? null,
        team_id: team?.id ?? null,
        team_name: f.teamName ?? f.teamRef ?? null,
        worker_name: f.workerName ?? f.workerRef ?? null,
        start_date: f.startDate ?? null,
        end_date: f.endDate ?? null,
      };
    });
  }

  async #flushReviewingOfficers() {
    const batch = this.#reviewingOfficers;
    this.#reviewingOfficers = [];
    if (!batch.length) return;
    const dir = await this.#dir();
    await this.#writePlaced(batch, 'child_reviewing_officers', REVIEWING_OFFICER_COLUMNS, (f) => {
      const worker = f.staffId ? { id: f.staffId } : dir.worker(f.workerRef, f.workerName);
      return {
        staff_id: worker?.id ?? null,
        kind: f.kind,
        worker_name: f.workerName ?? f.workerRef ?? null,
        start_date: f.startDate ?? null,
        end_date: f.endDate ?? null,
      };
    });
  }

  async #flushEpisodes() {
    const batch = this.#episodes;
    this.#episodes = [];
    await this.#writePlaced(batch, 'child_episodes', EPISODE_COLUMNS, (f) => ({
      kind: f.kind,
      external_id: f.externalId ?? null,
      start_date: f.startDate,
      end_date: f.endDate ?? null,
      detail: f.detail ?? null,
      attributes: f.attributes ?? {},
    }));
  }

  async #flushVisits() {
    const batch = this.#visits;
    this.#visits = [];
    await this.#writePlaced(batch, 'child_visits', VISIT_COLUMNS, (f) => ({
      kind: f.kind,
      visit_date: f.visitDate,
      seen: f.seen ?? null,
      seen_alone: f.seenAlone ?? null,
    }));
  }

  async #flushPlacements() {
    const batch = this.#placements;
    this.#placements = [];
    await this.#writePlaced(batch, 'child_placements', PLACEMENT_COLUMNS, (f) => ({
      start_date: f.startDate,
      end_date: f.endDate ?? null,
      placement_type: f.placementType ?? null,
      provider: f.provider ?? null,
      postcode: f.postcode ?? null,
      urn: f.urn ?? null,
      change_reason: f.changeReason ?? null,
    }));
  }

  async #flushFamilies() {
    const batch = this.#families;
    if (!batch.length) return;
    this.#families = [];
    const placed = await this.#placeChildren(batch);
    if (!placed.length) return;
    const familyRefs = [...new Set(placed.map((p) => p.facts.familyRef))];
    const families = await this.#trx
      .insertInto('families')
      .values(familyRefs.map((external_id) => ({ council_id: this.#councilId, external_id })))
      .onConflict((oc) =>
        oc
          .columns(['council_id', 'external_id'])
          .doUpdateSet({ external_id: (eb) => eb.ref('excluded.external_id') }),
      )
      .returning(['id', 'external_id'])
      .execute();
    const familyId = new Map(families.map((f) => [f.external_id, f.id]));
    const childFamily = new Map(placed.map((p) => [p.childId, familyId.get(p.facts.familyRef) as string]));
    if (this.#aside) {
      for (const [child, family] of childFamily) this.#heldFamilies.set(child, family);
      return;
    }
    const pairs = [...childFamily].map(([child, family]) => sql`(${child}::uuid, ${family}::uuid)`);
    await sql`update children c set family_id = v.family_id
      from (values ${sql.join(pairs)}) as v(child_id, family_id) where c.id = v.child_id`.execute(this.#trx);
  }

  async #flushFlags() {
    const batch = this.#flags;
    if (!batch.length) return;
    this.#flags = [];
    const placed = await this.#placeChildren(batch);
    for (const flag of ['disability', 'uasc'] as const) {
      const ids = [...new Set(placed.filter((p) => p.facts[flag]).map((p) => p.childId))];
      if (!ids.length) continue;
      if (this.#aside) for (const id of ids) this.#heldFlags[flag].add(id);
      else
        await this.#trx
          .updateTable('children')
          .set({ [flag]: true })
          .where('id', 'in', ids)
          .execute();
      await this.#trx
        .updateTable('snapshot_children')
        .set({ [flag]: true })
        .where('snapshot_id', '=', this.snapshotId)
        .where('child_id', 'in', ids)
        .execute();
    }
  }
}

function mergeFacts(a: ChildFacts, b: ChildFacts): ChildFacts {
  return {
    ref: a.ref,
    firstName: b.firstName ?? a.firstName,
    lastName: b.lastName ?? a.lastName,
    dateOfBirth: b.dateOfBirth ?? a.dateOfBirth,
    gender: b.gender && b.gender !== 'unknown' ? b.gender : a.gender,
    ethnicity: b.ethnicity ?? a.ethnicity,
    disability: (a.disability ?? false) || (b.disability ?? false),
    uasc: (a.uasc ?? false) || (b.uasc ?? false),
  };
}

interface TeamEntry {
  id: string;
  externalId: string | null;
  name: string;
}
interface StaffEntry {
  id: string;
  externalId: string | null;
  name: string;
  teamId: string | null;
  staffNumber?: string | null;
}

/**
 * The council's teams and workers, looked up by the extract's identifier, by name (case, spacing
 * and punctuation ignored) or by an alias someone saved when a new spelling arrived. A name two
 * workers share is not matched by name: it is left for a person to map.
 */
class Directory {
  readonly teamByRef = new Map<string, TeamEntry>();
  readonly #teamByKey = new Map<string, TeamEntry | null>();
  readonly staffByRef = new Map<string, StaffEntry>();
  /** by the council's staff number, lower case */
  readonly staffByNumber = new Map<string, StaffEntry>();
  readonly #staffByKey = new Map<string, StaffEntry | null>();
  readonly serviceAreaByKey = new Map<string, string>();

  static async load(trx: Kysely<Database>, councilId: string): Promise<Directory> {
    const dir = new Directory();
    const [teams, staff, areas, aliases] = await Promise.all([
      trx
        .selectFrom('teams')
        .select(['id', 'external_id', 'name'])
        .where('council_id', '=', councilId)
        .execute(),
      trx
        .selectFrom('staff')
        .select(['id', 'external_id', 'name', 'team_id', 'staff_number'])
        .where('council_id', '=', councilId)
        .execute(),
      trx.selectFrom('service_areas').select(['id', 'name']).where('council_id', '=', councilId).execute(),
      trx
        .selectFrom('name_aliases')
        .select(['kind', 'alias_key', 'team_id', 'staff_id'])
        .where('council_id', '=', councilId)
        .execute(),
    ]);
    for (const t of teams) dir.addTeam({ id: t.id, externalId: t.external_id, name: t.name });
    for (const s of staff)
      dir.addStaff({
        id: s.id,
        externalId: s.external_id,
        name: s.name,
        teamId: s.team_id,
        staffNumber: s.staff_number,
      });
    for (const a of areas) dir.serviceAreaByKey.set(nameKey(a.name), a.id);
    const teamById = new Map(teams.map((t) => [t.id, t]));
    const staffById = new Map(staff.map((s) => [s.id, s]));
    for (const a of aliases) {
      if (a.kind === 'team' && a.team_id) {
        const t = teamById.get(a.team_id);
        if (t) dir.#teamByKey.set(a.alias_key, { id: t.id, externalId: t.external_id, name: t.name });
      } else if (a.kind === 'worker' && a.staff_id) {
        const s = staffById.get(a.staff_id);
        if (s)
          dir.#staffByKey.set(a.alias_key, {
            id: s.id,
            externalId: s.external_id,
            name: s.name,
            teamId: s.team_id,
            staffNumber: s.staff_number,
          });
      }
    }
    return dir;
  }

  addTeam(t: TeamEntry) {
    if (t.externalId) this.teamByRef.set(t.externalId, t);
    const key = nameKey(t.name);
    const known = this.#teamByKey.get(key);
    this.#teamByKey.set(key, known === undefined || known?.id === t.id ? t : null);
  }

  addStaff(s: StaffEntry) {
    if (s.externalId) this.staffByRef.set(s.externalId, s);
    if (s.staffNumber) this.staffByNumber.set(s.staffNumber.toLowerCase(), s);
    const key = nameKey(s.name);
    const known = this.#staffByKey.get(key);
    this.#staffByKey.set(key, known === undefined || known?.id === s.id ? s : null);
  }

  unreferencedTeamByKey(key: string) {
    const t = this.#teamByKey.get(key);
    return t && !t.externalId ? t : undefined;
  }

  unreferencedStaffByKey(key: string) {
    const s = this.#staffByKey.get(key);
    return s && !s.externalId ? s : undefined;
  }

  team(ref: string | null | undefined, name: string | null | undefined): TeamEntry | undefined {
    return (
      (ref ? this.teamByRef.get(ref) : undefined) ??
      (name ? (this.teamByRef.get(name) ?? this.#teamByKey.get(nameKey(name)) ?? undefined) : undefined)
    );
  }

  worker(ref: string | null | undefined, name: string | null | undefined): StaffEntry | undefined {
    return (
      (ref ? this.staffByRef.get(ref) : undefined) ??
      (name ? (this.staffByRef.get(name) ?? this.#staffByKey.get(nameKey(name)) ?? undefined) : undefined)
    );
  }
}

/** What a reader of a snapshot format gets: where to write, and where to count and report rows. */
export interface SnapshotReadContext {
  writer: SnapshotWriter;
  tally: ImportTally;
  /** the file's name as the person gave it */
  fileName: string;
  /** call for each row read; reports progress */
  rowRead(): void;
  /** files of a folder or zip the reader leaves alone, by their path inside it: listed in the summary */
  ignoredFiles: string[];
}

/** A reader of one snapshot format: Annex A, SSD or a mapped extract. */
export type SnapshotReader = (context: SnapshotReadContext) => Promise<void>;
