/**
 * Common given-name variants (English diminutives and spelling variants, plus a
 * few German and Romance equivalents). Two names are nickname-equivalent when
 * they share a group. Lower-case, accent-free, as the normaliser produces.
 */
const GROUPS: readonly string[] = [
  'abigail abby abbie gail',
  'abraham abe bram',
  'albert al bert bertie albrecht',
  'alexander alex alec alexandr alejandro alessandro sasha sandy xander',
  'alexandra alex alexa sandra sandy sasha alessandra',
  'alfred alf alfie fred freddie',
  'andrew andy drew andreas andre andres andrea',
  'anthony tony antonio anton',
  'antoinette toni netty',
  'barbara barb barbie babs',
  'benjamin ben benny benji',
  'bernard bernie bernhard',
  'catherine katherine kathryn cathy kathy kate katie cath kat katharina katrin kathrin caterina',
  'charles charlie chuck chas carl karl carlos carlo',
  'charlotte lottie charlie',
  'christina christine chris tina kristina kristin christa kirsten',
  'christopher chris kit topher christoph kristopher',
  'daniel dan danny dani',
  'david dave davey davy',
  'deborah debra debbie deb',
  'donald don donnie',
  'dorothy dot dottie dora',
  'douglas doug',
  'edward ed eddie ted teddy ned eduard eduardo',
  'elizabeth elisabeth liz lizzie beth betty bess bessie eliza lisa liza elise elsa elsie betsy',
  'eleanor elenor ellie nora elle',
  'emily em emmy emilie',
  'eugene gene',
  'frances fran frankie francesca',
  'francis frank frankie francisco franz frans francesco',
  'frederick frederic fred freddie fritz friedrich',
  'gabriel gabe gabriele',
  'gerald gerry jerry gerhard',
  'gregory greg',
  'harold harry hal',
  'henry harry hank hal heinrich henri enrique enrico',
  'herbert herb bert',
  'isabella isabel isabelle izzy bella',
  'jacob jake jakob',
  'james jim jimmy jamie jaime jacques',
  'jane janie jean jeanne jenny',
  'janet jan',
  'jennifer jenny jen jenn',
  'jessica jess jessie',
  'john jon johnny jack johann johannes hans jan juan giovanni ian sean',
  'jonathan jon jonny nathan',
  'joseph joe joey jose josef giuseppe',
  'josephine jo josie',
  'joshua josh',
  'judith judy jude',
  'katherine kate kay',
  'kenneth ken kenny',
  'lawrence laurence larry laurie lorenz lorenzo',
  'leonard leo len lenny leon',
  'louis lewis lou luis ludwig luigi',
  'louise lou louisa luise',
  'margaret maggie meg peggy marge margie greta gretchen margarete margarethe margarita marjorie madge daisy',
  'mary mae molly polly maria marie mia mimi',
  'matthew matt matthias mathias matteo mateo',
  'michael mike mikey mick micky michel michele miguel',
  'nicholas nick nicky nico nikolaus klaus niklas nicolas',
  'pamela pam',
  'patricia pat patty trish tricia',
  'patrick pat paddy',
  'peter pete pieter pedro pierre pietro',
  'philip phillip phil felipe philipp',
  'rebecca becky becca',
  'richard rick ricky rich dick richie ricardo',
  'robert rob bob bobby robbie bert roberto',
  'ronald ron ronnie',
  'samuel sam sammy',
  'samantha sam sammy',
  'sarah sara sally sadie',
  'stephen steven steve stevie stefan stephan esteban',
  'stephanie steph stefanie',
  'susan sue susie suzanne susanne',
  'theodore ted teddy theo',
  'thomas tom tommy thom tomas',
  'timothy tim timmy',
  'victoria vicky vicki tori',
  'vincent vince vinny',
  'walter walt wally',
  'william bill billy will willie liam wilhelm willem guillermo',
  'zachary zach zack',
];

const index = new Map<string, number[]>();
GROUPS.forEach((group, id) => {
  for (const name of group.split(' ')) {
    const list = index.get(name);
    if (list) list.push(id);
    else index.set(name, [id]);
  }
});

/** True when two different given names are known variants of one another. */
export function isNicknamePair(a: string, b: string): boolean {
  const ga = index.get(a);
  if (!ga) return false;
  const gb = index.get(b);
  if (!gb) return false;
  for (const x of ga) if (gb.includes(x)) return true;
  return false;
}

/** A canonical form for blocking: the first name of the name's first group, else the name. */
export function canonicalGivenName(name: string): string {
  const g = index.get(name);
  if (!g || g.length === 0) return name;
  return GROUPS[g[0]!]!.split(' ')[0]!;
}
