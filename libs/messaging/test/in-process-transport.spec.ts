import { InProcessTransport } from '../src/index.js';
import { transportContract } from './transport-contract.js';

transportContract('InProcessTransport', () => new InProcessTransport({ redeliveryDelayMs: 20 }));
