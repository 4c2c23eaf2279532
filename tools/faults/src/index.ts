export {
  differences,
  FAULT_AUDIENCES,
  identifiersOf,
  observedProfiles,
  referenceProfiles,
  type ExpectedProfile,
  type ObservedProfile,
  type ReferenceAudience,
} from './reference-model';
export {
  ORDER_COMPLETED,
  scriptedStream,
  type ScenarioOptions,
  type ScriptedCall,
} from './scenario';
export { SeededRandom } from './seeded-random';
