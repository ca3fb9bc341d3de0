/**
 * Event contracts: the types generated from `proto/`, the event registry, topic names, and the codec
 * between the event store's JSON form, the binary payload and the wire envelope. See docs/contracts.md.
 */
export * from './codec.js';
export * from './errors.js';
export * from './gen/leakresponse/audit/v1/events_pb.js';
export * from './gen/leakresponse/clientnotifier/v1/events_pb.js';
export * from './gen/leakresponse/common/v1/common_pb.js';
export * from './gen/leakresponse/envelope/v1/envelope_pb.js';
export * from './gen/leakresponse/intake/v1/events_pb.js';
export * from './gen/leakresponse/publisher/v1/events_pb.js';
export * from './gen/leakresponse/subjectnotifier/v1/events_pb.js';
export * from './gen/leakresponse/timeline/v1/events_pb.js';
export * from './headers.js';
export * from './notice-template.js';
export * from './registry.js';
export * from './report-amendment.js';
export * from './sealed-purposes.js';
export * from './topics.js';
