/** One problem with an incoming event, with the JSON path it is at ('' for the event as a whole). */
export interface FieldProblem {
  path: string;
  message: string;
}
