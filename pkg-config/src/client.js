export class PersonaClient { constructor() { throw new Error("PersonaClient: being written"); } }
