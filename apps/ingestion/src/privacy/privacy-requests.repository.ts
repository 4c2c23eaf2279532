import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PrivacyRequestType } from '@tessera/contracts';
import type { Model } from 'mongoose';
import {
  PRIVACY_SERVICES,
  type PrivacyService,
  type ServiceStatus,
  type StoredPrivacyRequest,
} from './privacy-request';
import {
  PRIVACY_REQUEST_MODEL,
  type PrivacyRequestDocument,
  type ServiceStatusDocument,
} from './privacy-request.schema';

export type StatusUpdate = 'applied' | 'stale' | 'unknown_request';

@Injectable()
export class PrivacyRequestsRepository {
  constructor(
    @InjectModel(PRIVACY_REQUEST_MODEL) private readonly requests: Model<PrivacyRequestDocument>,
  ) {}

  async create(request: StoredPrivacyRequest): Promise<void> {
    await this.requests.create(toDocument(request));
  }

  async remove(id: string): Promise<void> {
    await this.requests.deleteOne({ _id: id }).exec();
  }

  async findById(id: string): Promise<StoredPrivacyRequest | null> {
    const document = await this.requests.findById(id).lean<PrivacyRequestDocument>().exec();
    return document ? toRequest(document) : null;
  }

  /**
   * Keeps a service's status unless the one already kept is later: redelivered and reordered
   * records leave the latest in place.
   */
  async recordStatus(
    id: string,
    service: PrivacyService,
    status: Exclude<ServiceStatus, { status: 'pending' }>,
  ): Promise<StatusUpdate> {
    const at = `services.${service}.at`;
    const result = await this.requests
      .updateOne(
        { _id: id, $or: [{ [at]: null }, { [at]: { $lte: status.at } }] },
        { $set: { [`services.${service}`]: status } },
      )
      .exec();
    if (result.matchedCount > 0) return 'applied';
    return (await this.requests.exists({ _id: id }).exec()) ? 'stale' : 'unknown_request';
  }
}

function toDocument(request: StoredPrivacyRequest): PrivacyRequestDocument {
  return {
    _id: request.id,
    type: request.type,
    identifierType: request.identifierType,
    identifierHash: request.identifierHash,
    requestedAt: request.requestedAt,
    services: { ...request.services },
  };
}

function toRequest(document: PrivacyRequestDocument): StoredPrivacyRequest {
  return {
    id: document._id,
    type: document.type as PrivacyRequestType,
    identifierType: document.identifierType,
    identifierHash: document.identifierHash,
    requestedAt: document.requestedAt,
    services: Object.fromEntries(
      PRIVACY_SERVICES.map((service) => [service, toStatus(document.services[service])]),
    ) as Record<PrivacyService, ServiceStatus>,
  };
}

function toStatus(document: ServiceStatusDocument | undefined): ServiceStatus {
  if (!document || document.status === 'pending' || document.at === null) {
    return { status: 'pending', detail: null, at: null };
  }
  return { status: document.status, detail: document.detail ?? '', at: new Date(document.at) };
}
