export * from './answer';
export * from './decodeTile';
export * from './httpTransport';
export * from './kernelTransport';
export * from './protocolError';
