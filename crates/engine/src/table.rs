//! The compiled flags, stored in shared chunks of 64: evaluation indexes them
//! like a slice (one more pointer, to a chunk that stays in cache), while
//! [`crate::Engine::updated`] copies only the chunk pointers and the chunks it
//! changes — so an update costs the size of the change, not of the document.

use std::ops::Index;
use std::sync::Arc;

use crate::compile::CompiledFlag;

const SHIFT: usize = 6;
const CHUNK: usize = 1 << SHIFT;

#[derive(Debug, Clone, Default)]
pub(crate) struct FlagTable {
    chunks: Vec<Arc<[CompiledFlag]>>,
    len: usize,
}

impl FlagTable {
    pub(crate) fn from_vec(flags: Vec<CompiledFlag>) -> Self {
        let len = flags.len();
        let mut chunks = Vec::with_capacity(len.div_ceil(CHUNK));
        let mut flags = flags.into_iter().peekable();
        while flags.peek().is_some() {
            chunks.push(flags.by_ref().take(CHUNK).collect::<Vec<_>>().into());
        }
        FlagTable { chunks, len }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &CompiledFlag> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// The flag at `at`, its chunk copied first if another table shares it.
    pub(crate) fn get_mut(&mut self, at: usize) -> &mut CompiledFlag {
        let chunk = &mut self.chunks[at >> SHIFT];
        if Arc::get_mut(chunk).is_none() {
            *chunk = chunk.to_vec().into();
        }
        // Just made unique.
        let owned = Arc::get_mut(chunk).map(|c| &mut c[at & (CHUNK - 1)]);
        owned.unwrap_or_else(|| unreachable!("a freshly copied chunk is unique"))
    }

    pub(crate) fn push(&mut self, flag: CompiledFlag) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => {
                let mut grown = last.to_vec();
                grown.push(flag);
                *last = grown.into();
            }
            _ => self.chunks.push(vec![flag].into()),
        }
        self.len += 1;
    }

    /// The flags `keep` accepts, in order (rebuilds the chunks).
    pub(crate) fn filtered(&self, keep: impl Fn(&CompiledFlag) -> bool) -> Self {
        FlagTable::from_vec(self.iter().filter(|f| keep(f)).cloned().collect())
    }
}

impl Index<usize> for FlagTable {
    type Output = CompiledFlag;

    #[inline]
    fn index(&self, at: usize) -> &CompiledFlag {
        &self.chunks[at >> SHIFT][at & (CHUNK - 1)]
    }
}
