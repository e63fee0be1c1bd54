import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { CommonEnv, gridConnectionFromEnv, parseEnv } from './config.js';

describe('gridConnectionFromEnv', () => {
  it('splits the member list and takes the cluster and namespace, with their defaults', () => {
    const env = parseEnv(Type.Object(CommonEnv), { HZ_MEMBERS: ' 10.0.0.1:5701 , 10.0.0.2:5701,' });
    expect(gridConnectionFromEnv(env)).toEqual({
      hzMembers: ['10.0.0.1:5701', '10.0.0.2:5701'],
      hzClusterName: 'spacegrid',
      namespace: 'sg',
    });
    const named = parseEnv(Type.Object(CommonEnv), { HZ_CLUSTER_NAME: 'prod', GRID_NAMESPACE: 'shop-1' });
    expect(gridConnectionFromEnv(named)).toMatchObject({ hzClusterName: 'prod', namespace: 'shop-1' });
  });
});
