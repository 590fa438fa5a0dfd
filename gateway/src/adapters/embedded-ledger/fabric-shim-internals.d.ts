/*
 * Typings for the fabric-shim 2.5.8 internals the embedded ledger drives directly (the package only
 * types its public API). Narrow on purpose: just what embedded-ledger uses.
 */

declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract.js' {
  import type { Contract, JSONSerializer } from 'fabric-contract-api';
  import type { ChaincodeResponse } from 'fabric-shim-api';

  /** Routes `contract:Function` invocations to decorated contract classes (what the shim's bootstrap builds). */
  class ChaincodeFromContract {
    /** Appends the system contract to `contractClasses`: pass a copy. */
    constructor(
      contractClasses: Array<new () => Contract>,
      serializers: { transaction: string; serializers: Record<string, typeof JSONSerializer> },
      metadata?: object,
      title?: string,
      version?: string,
    );
    Invoke(stub: object): Promise<ChaincodeResponse>;
  }
  export = ChaincodeFromContract;
}

declare module 'fabric-shim/lib/stub.js' {
  import type { peer } from '@hyperledger/fabric-protos';

  /** The real stub; it forwards every ledger call to `handler.handleXxx(..., channelId, txId)`. */
  class ChaincodeStub {
    constructor(
      handler: object,
      channelId: string,
      txId: string,
      input: peer.ChaincodeInput,
      signedProposal: peer.SignedProposal,
    );
    /** Set by `setEvent`; Fabric keeps only the last one. */
    chaincodeEvent?: peer.ChaincodeEvent;
  }
  export = ChaincodeStub;
}

declare module 'fabric-shim/lib/iterators.js' {
  import type { peer } from '@hyperledger/fabric-protos';

  /** What the shim's iterators call back to page through a query. */
  interface QueryPager {
    handleQueryStateNext(id: string, channelId: string, txId: string): Promise<peer.QueryResponse>;
    handleQueryStateClose(id: string, channelId: string, txId: string): Promise<peer.QueryResponse>;
  }
  type IteratorClass = new (handler: QueryPager, channelId: string, txId: string, response: peer.QueryResponse) => object;

  const iterators: { StateQueryIterator: IteratorClass; HistoryQueryIterator: IteratorClass };
  export = iterators;
}
