// Rendezvous hashing lives in common/: the units' sweepers pick the same owner of a key as the grid.
export * from '../common/rendezvous.js';
