export { MemoryEngine } from './engines/MemoryEngine'
