import { Controller, Get, Header } from '@nestjs/common';
import { readOpenApiDocument } from './openapi-document';

/** Serves docs/openapi.json, the reference of this API, exactly as it is in the repository. */
@Controller('openapi.json')
export class OpenApiController {
  private readonly document = readOpenApiDocument();

  @Get()
  @Header('content-type', 'application/json; charset=utf-8')
  serve(): string {
    return this.document;
  }
}
