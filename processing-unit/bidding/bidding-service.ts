import { createHash } from 'node:crypto';
import type { AuctionAggregate, AuctionSnapshot } from '../../common/bidding-model.js';
import { ConflictError, NotFoundError } from '../../common/errors.js';
import { readOrRestore, type Archive } from '../archive-client.js';
import type { GridMaps } from '../../common/grid-maps.js';
import { newId } from '../ids.js';
import { creationId, putNew, type KeyedRequest } from '../idempotency.js';
import type { BatchEngine, KeySpec } from '../write-path/batch-engine.js';
import type { AuctionCommand, AuctionContext } from './auction-commands.js';
import { buildAuction, type CreateAuctionInput } from './auction-factory.js';
import { auctionRules, type AuctionResult } from './auction-rules.js';
import { auctionView, bidsView, bidView, type AuctionView, type BidView } from './auction-views.js';

export type AuctionEngine = BatchEngine<
  AuctionAggregate,
  AuctionCommand,
  AuctionResult,
  AuctionContext,
  AuctionSnapshot
>;

type AuctionKeySpec = KeySpec<
  AuctionAggregate,
  AuctionCommand,
  AuctionResult,
  AuctionContext,
  AuctionSnapshot
>;

/** The bidding use cases of a unit: bids go through the auction's single writer, reads straight to the grid. */
export class BiddingService {
  private readonly keySpec: AuctionKeySpec = {
    // A new bid may be refused when the write-behind is behind; a touch (closing on time) may not.
    sheddable: (command) => command.type === 'placeBid',
    rules: auctionRules,
    context: (now) => ({ now }),
    // Auctions are created by POST /auctions only: an absent one never existed, or a lost partition
    // took it (then the data reader puts it back from Postgres).
    absent: async (auctionId) => {
      await this.read(auctionId);
      return 'restored';
    },
  };

  constructor(
    private readonly maps: Pick<GridMaps, 'auctions'>,
    private readonly engine: AuctionEngine,
    private readonly archive: Archive,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates an auction. Under an `Idempotency-Key` it records which request created it (and gets
   * its id from the key when the request names none): see `TicketingService.createEvent`.
   */
  async createAuction(input: CreateAuctionInput, keyed?: KeyedRequest): Promise<AuctionView> {
    const now = this.now();
    const created = creationId(input.id, keyed, 'auc');
    const { aggregate } = buildAuction(input, created.id, now);
    const taken = () => new ConflictError('AUCTION_EXISTS', `auction ${aggregate.id} already exists`);
    if (!(await putNew(this.maps.auctions, aggregate, created, keyed, taken)))
      return this.getAuction(aggregate.id);
    return auctionView(aggregate, now);
  }

  async getAuction(auctionId: string): Promise<AuctionView> {
    return auctionView(await this.read(auctionId), this.now());
  }

  async listBids(auctionId: string, limit: number): Promise<ReturnType<typeof bidsView>> {
    return bidsView(await this.read(auctionId), limit);
  }

  /**
   * Places a bid. Under an `Idempotency-Key` the bid's id comes from the key and the auction, so a
   * retry after any failure (its first attempt may have committed) reaches the auction's writer
   * with the same id, and the auction's rules answer it with the bid already accepted instead of
   * placing it again or telling the highest bidder BID_TOO_LOW.
   */
  async placeBid(
    auctionId: string,
    body: { bidderId: string; amount: number },
    idempotencyKey?: string,
  ): Promise<BidView> {
    const result = await this.engine.submit(auctionId, this.keySpec, {
      type: 'placeBid',
      bidId: idempotencyKey === undefined ? newId('bid') : idempotentBidId(auctionId, idempotencyKey),
      bidderId: body.bidderId,
      amount: body.amount,
    });
    if (result.kind !== 'bid') throw new Error(`placeBid answered ${result.kind}`);
    return bidView(result.bid, auctionId, result.endsAt);
  }

  /** Runs `due` (the close at endsAt) without a client command: the sweeper's call. */
  async touch(auctionId: string): Promise<void> {
    await this.engine.submit(auctionId, this.keySpec, { type: 'touch' });
  }

  /** The auction; one missing from the grid is put back from Postgres, or never existed (404). */
  private read(auctionId: string): Promise<AuctionAggregate> {
    return readOrRestore(
      this.maps.auctions,
      auctionId,
      () => this.archive.restore({ kind: 'auction', auctionId }),
      () => {
        throw new NotFoundError('AUCTION_NOT_FOUND', `auction ${auctionId} not found`);
      },
    );
  }
}

/** The id of the bid an `Idempotency-Key` places on an auction: the same for every retry. */
export function idempotentBidId(auctionId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${auctionId}\n${idempotencyKey}`).digest('base64url');
  return `bid-k${digest.slice(0, 32)}`;
}
