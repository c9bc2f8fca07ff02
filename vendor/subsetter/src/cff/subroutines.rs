use crate::cff::charstring::CharString;
use crate::cff::index::Index;

// Patched (see PATCHED.md): the containers wrap the font's subroutine
// INDEXes and look a subroutine up when a charstring calls it, instead of
// copying every subroutine of the font into a vector first (upstream
// 0.2.6 collected `Vec<CharString>`s, for a CJK font tens of thousands of
// entries on every subset call, most of the time of a small subset).
// For a well-formed INDEX the lookups return the same charstrings and the
// bias is computed from the same count.

/// A wrapper over a vector of subroutine containers (for local subroutines, where
/// we have a list of subroutines for each font dict).
pub struct SubroutineCollection<'a> {
    subroutines: Vec<SubroutineContainer<'a>>,
}

impl<'a> SubroutineCollection<'a> {
    pub fn new(subroutines: Vec<Index<'a>>) -> Self {
        debug_assert!(subroutines.len() <= 255);
        Self {
            subroutines: subroutines.into_iter().map(SubroutineContainer::new).collect(),
        }
    }

    pub fn get_handler(&self, fd_index: u8) -> Option<SubroutineHandler<'a>> {
        self.subroutines.get(fd_index as usize).map(|s| s.get_handler())
    }
}

/// A wrapper over an INDEX of charstrings (for global subroutines).
pub struct SubroutineContainer<'a> {
    subroutines: Index<'a>,
}

impl<'a> SubroutineContainer<'a> {
    pub fn new(subroutines: Index<'a>) -> Self {
        Self { subroutines }
    }

    pub fn get_handler(&self) -> SubroutineHandler<'a> {
        SubroutineHandler::new(self.subroutines)
    }
}

/// Wrapper over a list of subroutines to allow for convenient access to subroutines
/// given a biased or unbiased index.
#[derive(Clone)]
pub struct SubroutineHandler<'a> {
    subroutines: Index<'a>,
    bias: u16,
}

impl<'a> SubroutineHandler<'a> {
    pub fn new(char_strings: Index<'a>) -> Self {
        Self { subroutines: char_strings, bias: calc_subroutine_bias(char_strings.len()) }
    }

    pub fn get_with_biased(&self, index: i32) -> Option<CharString<'a>> {
        self.get_with_unbiased(unapply_bias(index, self.bias)?)
    }

    pub fn get_with_unbiased(&self, index: u32) -> Option<CharString<'a>> {
        self.subroutines.get(index)
    }
}

fn calc_subroutine_bias(len: u32) -> u16 {
    if len < 1240 {
        107
    } else if len < 33900 {
        1131
    } else {
        32768
    }
}

/// Unapply the bias from a biased subroutine offset.
pub fn unapply_bias(index: i32, bias: u16) -> Option<u32> {
    let bias = i32::from(bias);

    u32::try_from(index.checked_add(bias)?).ok()
}
