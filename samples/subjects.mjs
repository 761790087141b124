// The sample customers' subject ids: the one table the seed (samples/store/seed.mjs), the sample profiles
// (samples/profiles/*.json) and every test harness use.
export const SUBJECTS = Object.freeze({
  ana: "c_ana_7f3a91",
  ben: "c_ben_19c2e0",
  carla: "c_carla_5d0b44",
  david: "c_david_a2e8f7",
  erik: "c_erik_0b77d1",
});
